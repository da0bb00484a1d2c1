"""The floor's input: the calendar moments of a real cycle, from the same plan the rehearsal uses."""

from __future__ import annotations

from datetime import timedelta
from math import ceil

from bench.floor import FloorCycleInput, FloorProvinceInput, FloorSession
from models.cycle import Cycle
from schedule.plan import plan_sessions
from schedule.rehearsal import plan_simulation
from schedule.reminders import reminder_moments
from schedule.working_time import local_date, local_moment, previous_working_day
from workflows.cycle import PRE_MEETING_BATCH


def floor_input(cycle: Cycle) -> FloorCycleInput:
    sessions = plan_sessions(cycle)
    simulations = plan_simulation(cycle, sessions)
    zone = cycle.desk_sessions.venue_zone
    reminders = cycle.reminders
    pre = cycle.pre_meeting
    provinces = []
    for province in cycle.provinces:
        simulation = simulations[province.code]
        own = [s for s in sessions if s.province == province.code]
        provinces.append(
            FloorProvinceInput(
                code=province.code,
                pre_meeting_ends_at=pre.ends_at,
                data_entry=cycle.deadlines.data_entry,
                confirmation=cycle.deadlines.confirmation,
                sign_off=cycle.deadlines.sign_off,
                sign_off_reminder=cycle.deadlines.sign_off - timedelta(days=reminders.sign_off_days_before),
                sessions=[
                    FloorSession(
                        starts_at=s.starts_at,
                        ends_at=s.ends_at,
                        reminders=[
                            moment
                            for _, moment in reminder_moments(
                                s.starts_at, zone, reminders.day_before_at, reminders.minutes_before
                            )
                        ],
                    )
                    for s in own
                ],
                proposals_at=simulation.proposals_at,
                confirm_at=simulation.confirm_at,
                sign_at=[simulation.regional_sign_at, simulation.central_sign_at],
            )
        )
    day_before = previous_working_day(local_date(pre.starts_at, zone))
    return FloorCycleInput(
        year=cycle.year,
        opens_at=cycle.opens_at,
        pre_meeting_reminders=[
            local_moment(day_before, reminders.day_before_at, zone),
            pre.starts_at - timedelta(minutes=reminders.minutes_before),
        ],
        pre_meeting_ends_at=pre.ends_at,
        pre_meeting_batches=ceil(len(cycle.participants) / PRE_MEETING_BATCH),
        provinces=provinces,
    )
