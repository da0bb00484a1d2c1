"""The whole 2022 cycle (34 provinces, 1,224 desk sessions) on the time-skipping server."""

from __future__ import annotations

import asyncio
import hashlib
import io
import re
from collections import Counter
from email import message_from_bytes, policy
from pathlib import Path

import icalendar
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from temporalio.testing import WorkflowEnvironment

from commands.status import cycle_status
from embedded.smtp import MailStore
from models.cycle import load_cycle
from models.workflow_io import CycleInput
from schedule.plan import plan_sessions
from security.signing import SigningFiles, make_test_ca
from settings import Settings
from store.database import connect
from store.tables import (
    AgreementRow,
    ConfirmationRow,
    OutboxRow,
    OutcomeItemRow,
    ProposalRow,
    SessionRow,
    SignatureRow,
)
from tests.conftest import CYCLE_2022
from worker import rakortek_worker
from workflows.cycle import CycleWorkflow

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.MULTILINE | re.IGNORECASE)


async def test_2022_cycle_runs_to_completed(
    time_skipping: WorkflowEnvironment,
    settings: Settings,
    mail: tuple[MailStore, int],
    task_queue: str,
    tmp_path: Path,
) -> None:
    cycle = load_cycle(CYCLE_2022)
    ca = make_test_ca(tmp_path / "ca")
    settings = settings.model_copy(
        update={"signing_key": ca.key, "signing_cert": ca.cert, "signing_chain": ca.chain}
    )
    client = time_skipping.client
    async with rakortek_worker(client, settings, task_queue):
        summary = await client.execute_workflow(
            CycleWorkflow.run,
            CycleInput(cycle=cycle, rehearsal_speed=1.0, simulate_participants=True),
            id=f"cycle-2022-{task_queue}",
            task_queue=task_queue,
        )

    assert len(summary.provinces) == 34
    assert {p.stage for p in summary.provinces} == {"COMPLETED"}
    assert sum(p.sessions_held for p in summary.provinces) == 1224
    assert summary.pre_meeting_attended == 910

    engine = connect(settings.database_url)
    status = cycle_status(engine, 2022)
    assert [(p.stage, p.sessions_done, p.sessions_total) for p in status.provinces] == [
        ("COMPLETED", 36, 36)
    ] * 34

    with Session(engine) as db:
        count = lambda table: db.scalar(select(func.count()).select_from(table))  # noqa: E731
        assert count(SessionRow) == 1224
        assert count(ProposalRow) == 1224 * 2
        assert count(OutcomeItemRow) == 1224 * 2
        agreed = db.scalar(select(func.count()).where(OutcomeItemRow.status != "not_agreed"))
        not_agreed = db.scalar(select(func.count()).where(OutcomeItemRow.status == "not_agreed"))
        assert agreed and not_agreed, "the simulation agrees most items and refuses some"
        assert count(ConfirmationRow) == agreed
        assert count(SignatureRow) == 68
        assert count(AgreementRow) == 34
        agreements = list(db.scalars(select(AgreementRow)))
        outbox = Counter(
            (kind, status) for kind, status in db.execute(select(OutboxRow.kind, OutboxRow.status))
        )
        moved = list(db.scalars(select(SessionRow).where(SessionRow.sequence > 0)))
        reminders = Counter(
            (session, sequence, status)
            for session, sequence, status in db.execute(
                select(OutboxRow.session_id, OutboxRow.sequence, OutboxRow.status).where(
                    OutboxRow.kind == "session_reminder"
                )
            )
        )

    # The pre-meeting invites its 910 participants, reminds them twice.
    assert outbox[("pre_meeting_invite", "sent")] == 910
    assert outbox[("pre_meeting_reminder", "sent")] == 1820
    # One session moved, one cancelled and held again: both carry a higher SEQUENCE.
    assert len(moved) == 2 and {s.sequence for s in moved} == {1, 2}
    assert outbox[("session_cancel", "sent")] > 0
    assert outbox[("session_update", "sent")] > 0
    held_again = next(s for s in moved if s.sequence == 2)
    rescheduled = next(s for s in moved if s.sequence == 1)
    # After the cancellation (SEQUENCE 1) no reminder went out; the new time got both.
    assert reminders[(held_again.id, 1, "sent")] == 0
    assert reminders[(held_again.id, 2, "sent")] > 0
    # Moved the afternoon before: the old time's last reminder never went, the new time's did.
    assert reminders[(rescheduled.id, 1, "sent")] > reminders[(rescheduled.id, 0, "sent")] > 0
    # The late signature drew a reminder and an escalation to the organizers.
    assert outbox[("sign_off_reminder", "sent")] >= 1
    assert outbox[("escalation", "sent")] >= 7
    assert outbox[("agreement_signed", "sent")] == 34 * 4
    # Each session's invitees got one invitation each; the reminders followed.
    assert outbox[("session_invite", "sent")] == sum(len(s.recipients) for s in plan_sessions(cycle))

    # Every message the outbox calls sent reached the SMTP server, once.
    sent = sum(n for (_, status), n in outbox.items() if status == "sent")
    ids = [MESSAGE_ID.search(raw).group(1) for raw in mail[0].raw]  # type: ignore[union-attr]
    assert len(ids) == sent
    assert len(set(ids)) == len(ids)

    # Invitations are real calendar invitations, on the cycle's calendar.
    invite = next(
        message_from_bytes(raw, policy=policy.default)
        for raw in mail[0].raw
        if b"X-Rakortek-Kind: session_invite" in raw
    )
    calendar_part = next(p for p in invite.walk() if p.get_content_type() == "text/calendar")
    assert calendar_part.get_param("method") == "REQUEST"
    parsed = icalendar.Calendar.from_ical(calendar_part.get_payload(decode=True))
    event = next(iter(parsed.walk("VEVENT")))
    assert event.decoded("dtstart").year == 2022
    assert not parsed.get_missing_tzids()

    # Every province's filed agreement is what both sides signed, and signed as PDF.
    await check_filed_agreements(agreements, ca)


def filed_pdfs(agreements: list[AgreementRow]) -> dict[str, bytes]:
    """Each province's filed PDF, once its filed HTML is found to be the signed document's bytes
    unchanged and the signed document's hash the recorded (and exported) one."""
    pdfs = {}
    for agreement in agreements:
        signed = Path(agreement.path).read_bytes()
        assert hashlib.sha256(signed).hexdigest() == agreement.sha256
        filed = Path(agreement.path).with_name(f"berita-acara-{agreement.province}-ditandatangani.html")
        filed_text = filed.read_bytes()
        end = signed.rindex(b"</body>")
        assert filed_text.startswith(signed[:end]) and filed_text.endswith(signed[end:])
        pdfs[agreement.province] = filed.with_suffix(".pdf").read_bytes()
    return pdfs


async def check_filed_agreements(agreements: list[AgreementRow], ca: SigningFiles) -> None:
    """The filed PDF's two signatures valid against the deployment's CA, the last over the
    whole file."""
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(ca.chain))])
    for province, pdf in (await asyncio.to_thread(filed_pdfs, agreements)).items():
        embedded = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
        statuses = [await async_validate_pdf_signature(signature, context) for signature in embedded]
        assert len(statuses) == 2 and all(status.bottom_line for status in statuses), province
        assert statuses[-1].coverage is SignatureCoverageLevel.ENTIRE_FILE
