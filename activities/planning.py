"""Plan a cycle: schedule every session (schedule/plan.py), decide when a rehearsal's simulated
participants act (schedule/rehearsal.py), and store each province's share for its workflow."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from models.records import PlanCycle
from models.sessions import DeskSession
from models.workflow_io import CyclePlan, LoadProvincePlan, ProvincePlan
from schedule.plan import plan_sessions, province_people
from schedule.rehearsal import plan_simulation
from schedule.solver import ScheduleError
from store.database import transaction, upsert, utc
from store.tables import ProvincePlanRow, SessionInviteeRow, SessionRow


class PlanningActivities:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @activity.defn
    def plan_cycle(self, request: PlanCycle) -> CyclePlan:
        cycle = request.cycle
        try:
            sessions = plan_sessions(cycle)
        except ScheduleError as exc:
            raise ApplicationError(str(exc), type="ScheduleError", non_retryable=True) from exc
        rows = [
            {
                "id": s.id,
                "year": cycle.year,
                "province": s.province,
                "desk": s.desk,
                "starts_at": utc(s.starts_at),
                "ends_at": utc(s.ends_at),
                "room": s.room,
                "online_link": s.online_link,
                "sequence": 0,
                "state": s.state.value,
            }
            for s in sessions
        ]
        invitees = [
            {"year": cycle.year, "session_id": s.id, "participant": person}
            for s in sessions
            for person in s.recipients
        ]
        with transaction(self.engine) as db:
            # A retry must not undo a move made since the first attempt.
            upsert(db, SessionRow, rows, ["id"], update=False)
            upsert(db, SessionInviteeRow, invitees, ["year", "session_id", "participant"], update=False)
        simulations = plan_simulation(cycle, sessions) if request.simulate_participants else {}
        by_province: dict[str, list[DeskSession]] = {p.code: [] for p in cycle.provinces}
        for s in sessions:
            by_province[s.province].append(s)
        plans = [
            {
                "year": cycle.year,
                "province": code,
                "plan": ProvincePlan(
                    sessions=own,
                    people=province_people(cycle, code),
                    simulation=simulations.get(code),
                ).model_dump_json(),
            }
            for code, own in by_province.items()
        ]
        with transaction(self.engine) as db:
            upsert(db, ProvincePlanRow, plans, ["year", "province"], update=False)
        return CyclePlan(provinces=len(plans), sessions=len(sessions))

    @activity.defn
    def load_province_plan(self, request: LoadProvincePlan) -> ProvincePlan:
        with Session(self.engine) as db:
            row = db.get(ProvincePlanRow, (request.year, request.province))
        if row is None:
            raise ApplicationError(
                f"no stored plan for province {request.province} in {request.year}",
                type="LookupError",
                non_retryable=True,
            )
        return ProvincePlan.model_validate_json(row.plan)
