"""A cycle planned and stored as its workflow would, for tests that start from its sessions."""

from __future__ import annotations

from sqlalchemy import Engine

from activities.planning import PlanningActivities
from models.cycle import Cycle
from models.records import PlanCycle
from models.sessions import DeskSession
from models.workflow_io import LoadProvincePlan


def plan_and_store(engine: Engine, cycle: Cycle) -> list[DeskSession]:
    """Every session of the cycle, as each province's workflow loads them."""
    planning = PlanningActivities(engine)
    planning.plan_cycle(PlanCycle(cycle=cycle, simulate_participants=False))
    return [
        session
        for province in cycle.provinces
        for session in planning.load_province_plan(
            LoadProvincePlan(year=cycle.year, province=province.code)
        ).sessions
    ]
