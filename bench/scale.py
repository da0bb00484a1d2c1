"""A smaller cycle cut from a real one: its first provinces and desks, for quick runs."""

from __future__ import annotations

from models.cycle import Cycle


def shrink(cycle: Cycle, provinces: int = 0, desks: int = 0) -> Cycle:
    """The first ``provinces`` provinces and ``desks`` desks (0: all), with their people."""
    kept_provinces = cycle.provinces[: provinces or None]
    kept_desks = cycle.desks[: desks or None]
    codes = {p.code for p in kept_provinces}
    desk_codes = {d.code for d in kept_desks}
    people = [
        p.model_copy(update={"desks": tuple(d for d in p.desks if d in desk_codes)})
        for p in cycle.participants
        if p.province is None or p.province in codes
    ]
    return cycle.model_copy(update={"provinces": kept_provinces, "desks": kept_desks, "participants": people})
