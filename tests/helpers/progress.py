"""A province's progress built from a real cycle file, without Temporal, for the rules' tests."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from tempfile import mkdtemp
from typing import Any

from models.clock import CycleClock
from models.cycle import Cycle, load_cycle
from models.items import FundingSource, ItemLevel, ItemStatus, OutcomeItem, ProposalItem
from models.progress import ProvinceProgress
from models.records import AgreementDocument, OutcomeRecord
from models.workflow_io import ProvinceInput
from schedule.plan import plan_sessions, province_people
from security import tokens
from security.tokens import ACT, SIGN, Holder, TokenIssuer
from tests.conftest import TOKEN_SECRET, write_cycle

PROVINCE = "94"
DESKS = ["1.01", "2.22", "W.01"]
ISSUER = TokenIssuer(TOKEN_SECRET)


@cache
def cycle() -> Cycle:
    """Papua (94), three desks, the 2022 calendar."""
    return load_cycle(write_cycle(Path(mkdtemp(prefix="rules-")), [PROVINCE], desks=DESKS))


def progress() -> ProvinceProgress:
    """A fresh progress of Papua, its plan loaded, in PRE_MEETING."""
    tokens.configure(TOKEN_SECRET)
    c = cycle()
    clock = CycleClock(calendar_origin=c.opens_at, real_origin=datetime(2022, 1, 1, tzinfo=UTC))
    given = ProvinceInput.of(c, PROVINCE, clock)
    state = ProvinceProgress(input=given, deadlines=given.deadlines)
    state.load_plan(plan_sessions(c), province_people(c, PROVINCE))
    return state


def token(state: ProvinceProgress, actor: str, document: str | None = None) -> str:
    """An update token made from ``actor``'s link (their signature link when ``document`` is
    given). The rules check what it lets its holder do; what update it was made for is the
    workflows' check (tests/workflows/test_update_guard.py), so any will do here."""
    person = state.people[actor]
    province = PROVINCE if document is not None else person.province
    holder = Holder(
        sub=actor,
        year=2022,
        province=province,
        role=person.role.value,
        action=SIGN if document is not None else ACT,
        document=document,
    )
    return ISSUER.for_update(
        holder, workflow_id="rules", update_id="rules", update=holder, now=datetime.now(UTC)
    )


def proposal(ref: str, desk: str) -> ProposalItem:
    return ProposalItem(
        ref=ref,
        desk=desk,
        level=ItemLevel.PROGRAM,
        title="Peningkatan Layanan Pendidikan",
        indicator="Angka partisipasi sekolah",
        target_value=90,
        target_unit="persen",
        location="Provinsi Papua",
        budget_rupiah=1_000_000_000,
        funding_source=FundingSource.APBN,
        proposed_by="K/L",
    )


def outcome(ref: str, desk: str, status: ItemStatus = ItemStatus.AGREED) -> OutcomeItem:
    fields: dict[str, Any] = proposal(ref, desk).model_dump(exclude={"proposed_by"})
    return OutcomeItem(**fields, status=status)


def outcome_record(session_id: str, desk: str, refs: list[str], at: datetime) -> OutcomeRecord:
    """A session's outcome as a facilitator's update leaves it for the database: every item agreed."""
    return OutcomeRecord(
        year=2022,
        province="94",
        session_id=session_id,
        actor=f"FAC-{desk}",
        items=[outcome(ref, desk) for ref in refs],
        at=at,
    )


def document(sha256: str = "a" * 64) -> AgreementDocument:
    return AgreementDocument(path="berita-acara-94.html", sha256=sha256, items_agreed=1, items_not_agreed=0)
