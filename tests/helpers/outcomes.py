"""A session's outcome record, as a facilitator's update leaves it."""

from __future__ import annotations

from datetime import datetime

from models.items import FundingSource, ItemLevel, ItemStatus, OutcomeItem
from models.records import OutcomeRecord


def outcome(session_id: str, desk: str, refs: list[str], at: datetime) -> OutcomeRecord:
    return OutcomeRecord(
        year=2022,
        province="94",
        session_id=session_id,
        actor=f"FAC-{desk}",
        items=[
            OutcomeItem(
                ref=ref,
                desk=desk,
                level=ItemLevel.PROGRAM,
                title=f"Program {ref}",
                indicator="Persentase",
                target_value=90,
                target_unit="persen",
                location="Provinsi Papua",
                budget_rupiah=1_000_000_000,
                funding_source=FundingSource.APBN,
                status=ItemStatus.AGREED,
            )
            for ref in refs
        ],
        at=at,
    )
