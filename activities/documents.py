"""The agreement minutes (Berita Acara Kesepakatan) of a province, rendered from templates/."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
import time
from collections import defaultdict
from concurrent.futures import Executor, ProcessPoolExecutor
from datetime import UTC
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, aliased
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.agreement_form import agreement_spec, dated, numbers, parties
from activities.agreement_pdf import agreement_pdf
from mail.dates import letter_datetime
from mail.wording import document_label
from models.records import AgreementDocument, AgreementRequest
from models.reference import all_regencies
from security.signing import AgreementSigner, SignedBy
from store.database import transaction, upsert, utc
from store.tables import (
    AgreementRow,
    AttendanceRow,
    ConfirmationRow,
    CycleRow,
    DelegationRow,
    DeskRow,
    OutcomeItemRow,
    ParticipantRow,
    ProvinceProgressRow,
    SessionRow,
    SignatureRow,
)

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATUS_LABEL = {"agreed": document_label("status_agreed"), "adjusted": document_label("status_adjusted")}


def daftar_hadir(db: Session, year: int, province: str) -> list[dict[str, str]]:
    """Who was present at the province's desk sessions, desk by desk: name, organisation, how,
    and whom they stood in for."""
    delegator = aliased(ParticipantRow)
    rows = db.execute(
        select(
            SessionRow.desk,
            ParticipantRow.name,
            ParticipantRow.organisation,
            AttendanceRow.mode,
            delegator.name,
        )
        .join(SessionRow, (SessionRow.year == AttendanceRow.year) & (SessionRow.id == AttendanceRow.subject))
        .join(
            ParticipantRow,
            (ParticipantRow.year == AttendanceRow.year) & (ParticipantRow.id == AttendanceRow.participant),
        )
        .outerjoin(
            DelegationRow,
            (DelegationRow.year == AttendanceRow.year)
            & (DelegationRow.subject == AttendanceRow.subject)
            & (DelegationRow.delegate == AttendanceRow.participant),
        )
        .outerjoin(
            delegator, (delegator.year == DelegationRow.year) & (delegator.id == DelegationRow.delegator)
        )
        .where(AttendanceRow.year == year, SessionRow.province == province)
        .order_by(SessionRow.desk, ParticipantRow.name)
    ).all()
    return [
        {
            "desk": desk,
            "name": name,
            "organisation": organisation,
            "mode": document_label(f"mode_{mode}"),
            "stands_in": document_label("stands_in", name=stood_for) if stood_for else "",
        }
        for desk, name, organisation, mode, stood_for in rows
    ]


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        # Templates change with a deploy, which restarts the worker: no stat() per message.
        auto_reload=False,
        autoescape=select_autoescape(["html", "html.j2"]),
    )


def rupiah(value: int) -> str:
    return format_decimal(value, locale="id")


def _write_atomically(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".part")
    temporary.write_bytes(content)
    os.replace(temporary, path)


def _exit_with_parent(parent: int) -> None:
    """In a PDF process: leave when the worker that started it is gone, even killed with -9."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def pdf_processes(count: int) -> Executor | None:
    """Processes that lay out PDFs beside the worker (reportlab is pure Python: in the worker a
    layout would hold the interpreter from every other activity). None: in the worker."""
    if count <= 0:
        return None
    return ProcessPoolExecutor(
        max_workers=count,
        # Not fork: the worker's process holds the Temporal core's threads.
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_exit_with_parent,
        initargs=(os.getpid(),),
    )


class DocumentActivities:
    def __init__(
        self,
        engine: Engine,
        output_dir: Path,
        pdf_pool: Executor | None = None,
        signer: AgreementSigner | None = None,
    ) -> None:
        self.engine = engine
        self.output_dir = output_dir
        self.pdf_pool = pdf_pool
        self.signer = signer
        """Signs the filed PDF once per party; None files it unsigned."""

    def agreement_context(self, year: int, province: str) -> dict[str, Any]:
        """What the berita acara says: ``signature_blocks`` as the document to sign prints them
        (blank), ``signed_blocks`` with each party's signature on record (its Lembar Pengesahan)."""
        with Session(self.engine) as db:
            cycle = db.get(CycleRow, year)
            progress = db.get(ProvinceProgressRow, (year, province))
            items = list(
                db.scalars(
                    select(OutcomeItemRow)
                    .where(OutcomeItemRow.year == year, OutcomeItemRow.province == province)
                    .order_by(OutcomeItemRow.desk, OutcomeItemRow.ref)
                )
            )
            confirmations = {
                c.ref: c
                for c in db.scalars(
                    select(ConfirmationRow).where(
                        ConfirmationRow.year == year, ConfirmationRow.province == province
                    )
                )
            }
            signatures = {
                s.party: s
                for s in db.scalars(
                    select(SignatureRow).where(SignatureRow.year == year, SignatureRow.province == province)
                )
            }
            desk_titles = dict(
                db.execute(select(DeskRow.code, DeskRow.title).where(DeskRow.year == year)).all()
            )
            present = daftar_hadir(db, year, province)
            if cycle is None or progress is None:
                raise ValueError(f"province {province} of cycle {year} is not registered")
            # A kabupaten/kota's own name says what it is: "Kabupaten Aceh Selatan", "Kota Medan".
            regency = all_regencies().get(province)
            title = (
                regency.title if regency is not None else document_label("province_title", name=progress.name)
            )
            spec = agreement_spec(cycle)
            who = parties(db, year, province, title, cycle.organizer_name, spec)
        by_desk: dict[str, list[dict[str, Any]]] = defaultdict(list)
        not_agreed: list[dict[str, Any]] = []
        agreed_budget = 0
        for item in items:
            view = {
                "ref": item.ref,
                "desk": item.desk,
                "level": item.level,
                "title": item.title,
                "indicator": item.indicator,
                "target": f"{format_decimal(item.target_value, locale='id')} {item.target_unit}",
                "location": item.location,
                "budget": rupiah(item.budget_rupiah),
                "funding_source": item.funding_source,
                "status": STATUS_LABEL.get(item.status, item.status),
                "notes": item.notes,
            }
            if item.status == "not_agreed":
                not_agreed.append(view)
                continue
            agreed_budget += item.budget_rupiah
            confirmation = confirmations.get(item.ref)
            view["confirmation"] = (
                document_label("confirmation_none")
                if confirmation is None
                else document_label(
                    "confirmation",
                    location=document_label(
                        "location_ready" if confirmation.location_ready else "location_not_ready"
                    ),
                    target=document_label(
                        "target_confirmed" if confirmation.target_confirmed else "target_changed"
                    ),
                )
            )
            by_desk[item.desk].append(view)

        def block(party: str, side: str, person: dict[str, str], signed: bool) -> dict[str, Any]:
            signature = signatures.get(party) if signed else None
            return {
                **person,
                "side": side,
                "name": signature.signer_name if signature else person["name"],
                "signed_at": letter_datetime(signature.signed_at.replace(tzinfo=UTC), cycle.venue_zone)
                if signature
                else None,
                "sha256": signature.sha256 if signature else None,
            }

        return {
            "year": year,
            "plan_year": cycle.plan_year,
            "province": {"code": province, "name": progress.name, "title": title},
            "organizer": {"name": cycle.organizer_name},
            "venue": cycle.venue,
            "venue_zone": cycle.venue_zone,
            "agreed_by_desk": [
                {"code": code, "title": desk_titles.get(code, code), "items": rows}
                for code, rows in sorted(by_desk.items())
            ],
            "agreed_count": sum(len(v) for v in by_desk.values()),
            "agreed_budget": rupiah(agreed_budget),
            "not_agreed": not_agreed,
            "parties": who,
            "numbers": numbers(spec, province),
            "spec": spec,
            "signature_blocks": [
                block("regional", document_label("first_party"), who["first"], signed=False),
                block("central", document_label("second_party"), who["second"], signed=False),
            ],
            "signed_blocks": [
                block("regional", document_label("first_party"), who["first"], signed=True),
                block("central", document_label("second_party"), who["second"], signed=True),
            ],
            "not_agreed_count": len(not_agreed),
            "attendance": [
                {**row, "desk_title": desk_titles.get(row["desk"], row["desk"])} for row in present
            ],
        }

    def _render(self, request: AgreementRequest) -> AgreementDocument:
        context = self.agreement_context(request.year, request.province)
        context.update(dated(request.rendered_at, context["venue_zone"], context["spec"]))
        html = _environment().get_template("documents/agreement.html.j2").render(context)
        content = html.encode("utf-8")
        digest = hashlib.sha256(content).hexdigest()
        path = self.output_dir / str(request.year) / "agreements" / f"berita-acara-{request.province}.html"
        _write_atomically(path, content)
        pdf = (
            self.pdf_pool.submit(agreement_pdf, context).result() if self.pdf_pool else agreement_pdf(context)
        )
        _write_atomically(path.with_suffix(".pdf"), pdf)
        with transaction(self.engine) as db:
            upsert(
                db,
                AgreementRow,
                [
                    {
                        "year": request.year,
                        "province": request.province,
                        "path": str(path),
                        "sha256": digest,
                        "rendered_at": utc(request.rendered_at),
                    }
                ],
                ["year", "province"],
            )
        return AgreementDocument(
            path=str(path),
            pdf_path=str(path.with_suffix(".pdf")),
            sha256=digest,
            items_agreed=context["agreed_count"],
            items_not_agreed=context["not_agreed_count"],
        )

    @activity.defn
    def render_agreement(self, request: AgreementRequest) -> AgreementDocument:
        """The document both parties sign; its SHA-256 is what a signature binds to."""
        return self._render(request)

    @activity.defn
    def render_signed_agreement(self, request: AgreementRequest) -> AgreementDocument:
        """The filed copy: the signed document's bytes unchanged, with a Lembar Pengesahan (who
        signed, when, and the hash each one signed) added after them, not into them."""
        with Session(self.engine) as db:
            row = db.get(AgreementRow, (request.year, request.province))
            if row is None:
                raise ValueError(f"province {request.province} of cycle {request.year} has no document")
            path, sha256, rendered_at = Path(row.path), row.sha256, row.rendered_at
        signed = path.read_bytes()
        if hashlib.sha256(signed).hexdigest() != sha256:
            raise ApplicationError(
                f"{path.name} is no longer the document that was signed (SHA-256 {sha256[:12]}…)",
                type="SignedDocumentChanged",
                non_retryable=True,
            )
        context = self.agreement_context(request.year, request.province)
        # The date the signed text carries, not today's.
        context.update(dated(rendered_at.replace(tzinfo=UTC), context["venue_zone"], context["spec"]))
        blocks = context["signed_blocks"]
        if any(block["sha256"] != sha256 for block in blocks):
            raise ApplicationError(
                f"the signatures of {request.province} are not all on document {sha256[:12]}…",
                type="SignaturesMismatch",
                non_retryable=True,
            )
        section = (
            _environment().get_template("documents/endorsement.html.j2").render(blocks=blocks, sha256=sha256)
        )
        end = signed.rindex(b"</body>")
        filed = signed[:end] + section.encode("utf-8") + b"\n" + signed[end:]
        filed_path = path.with_name(f"berita-acara-{request.province}-ditandatangani.html")
        _write_atomically(filed_path, filed)
        context["endorsement"] = {"blocks": blocks, "sha256": sha256}
        pdf = (
            self.pdf_pool.submit(agreement_pdf, context).result() if self.pdf_pool else agreement_pdf(context)
        )
        if self.signer is not None:
            fields = ("PIHAK_KESATU", "PIHAK_KEDUA")
            pdf = self.signer.sign(
                pdf,
                [
                    SignedBy(field, block["name"], block["position"], block["side"], block["signed_at"])
                    for field, block in zip(fields, blocks, strict=True)
                ],
                context["place"],
            )
        _write_atomically(filed_path.with_suffix(".pdf"), pdf)
        return AgreementDocument(
            path=str(filed_path),
            pdf_path=str(filed_path.with_suffix(".pdf")),
            sha256=hashlib.sha256(filed).hexdigest(),
            items_agreed=context["agreed_count"],
            items_not_agreed=context["not_agreed_count"],
        )
