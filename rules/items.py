"""Items as a list: each reference once, each at a desk of the cycle."""

from __future__ import annotations

from collections.abc import Sequence

from models.items import ItemStatus, OutcomeItem, PlanItem
from models.progress import ProvinceProgress
from rules.access import refuse


def check_items(progress: ProvinceProgress, items: Sequence[PlanItem]) -> None:
    refs = [i.ref for i in items]
    duplicates = sorted({r for r in refs if refs.count(r) > 1})
    if duplicates:
        raise refuse(
            f"item reference used twice: {', '.join(duplicates)}", "ref_twice", refs=", ".join(duplicates)
        )
    desks = progress.desks
    for item in items:
        if item.desk not in desks:
            raise refuse(
                f"item {item.ref}: unknown desk {item.desk!r}",
                "item_desk_unknown",
                ref=item.ref,
                desk=item.desk,
            )


def check_desk_items(progress: ProvinceProgress, desk: str, items: Sequence[OutcomeItem]) -> None:
    """A desk's outcome: valid items, all of this desk, each one not agreed with its reason (the
    agreement minutes print it, and the province answers to it next year)."""
    check_items(progress, items)
    for item in items:
        if item.desk != desk:
            raise refuse(
                f"item {item.ref} belongs to desk {item.desk}, not {desk}",
                "item_other_desk",
                ref=item.ref,
                desk=item.desk,
                this_desk=desk,
            )
        if item.status is ItemStatus.NOT_AGREED and not item.notes:
            raise refuse(
                f"item {item.ref} is not agreed: its reason is required (notes)",
                "reason_required",
                ref=item.ref,
            )
