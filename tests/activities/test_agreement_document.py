"""The agreement minutes as HTML (against a reviewed golden file) and PDF, and the RKP/RKPD exports."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from temporalio.testing import ActivityEnvironment

from activities.documents import DocumentActivities
from activities.records import RecordActivities
from commands.export import export_cycle
from models.cycle import load_cycle
from models.items import FundingSource, ItemConfirmation, ItemLevel, ItemStatus, OutcomeItem
from models.participants import Participant, Role
from models.records import (
    AgreementRequest,
    AttendanceEntry,
    ConfirmationsRecord,
    DelegationRecord,
    OutcomeRecord,
    RegisterCycle,
    SignatureRecord,
)
from models.stages import Party
from security.signing import AgreementSigner, make_test_ca
from store.database import connect
from store.tables import OutcomeItemRow
from tests.conftest import write_cycle
from tests.helpers.plan import plan_and_store

GOLDEN = Path(__file__).parent / "golden" / "berita-acara-94-ditandatangani.html"
WIB = ZoneInfo("Asia/Jakarta")
PROVINCES = ["31", "94"]
DESKS = ["1.01", "W.02"]


def items(province: str, desk: str) -> list[OutcomeItem]:
    base = dict(desk=desk, funding_source=FundingSource.APBN, target_unit="unit")
    return [
        OutcomeItem(
            ref=f"{province}-{desk}-01",
            level=ItemLevel.PROGRAM,
            title=f"Program prioritas desk {desk} <b>&</b> Provinsi {province}",
            indicator="Persentase layanan terpenuhi",
            target_value=85.5,
            location=f"Provinsi {province}",
            budget_rupiah=12_500_000_000,
            status=ItemStatus.AGREED,
            **base,  # type: ignore[arg-type]
        ),
        OutcomeItem(
            ref=f"{province}-{desk}-02",
            level=ItemLevel.PROYEK,
            title="Pembangunan jalan strategis",
            indicator="Panjang jalan",
            target_value=42,
            location="Kabupaten Jayapura",
            budget_rupiah=7_250_000_000,
            status=ItemStatus.ADJUSTED,
            notes="Target disesuaikan dengan kesiapan lahan",
            **base,  # type: ignore[arg-type]
        ),
        OutcomeItem(
            ref=f"{province}-{desk}-03",
            level=ItemLevel.KEGIATAN,
            title="Kegiatan yang belum siap",
            indicator="Jumlah dokumen",
            target_value=3,
            location=f"Provinsi {province}",
            budget_rupiah=1_000_000_000,
            status=ItemStatus.NOT_AGREED,
            notes="Readiness criteria (FS/DED) belum terpenuhi",
            **base,  # type: ignore[arg-type]
        ),
    ]


@pytest.fixture
def documents(database_url: str, tmp_path: Path) -> DocumentActivities:
    """Two provinces with outcomes at two desks (one item not agreed each) and confirmations."""
    cycle = load_cycle(write_cycle(tmp_path / "cycle", PROVINCES, desks=DESKS))
    engine = connect(database_url)
    records = RecordActivities(engine)
    records.register_cycle(RegisterCycle(cycle=cycle))
    sessions = plan_and_store(engine, cycle)
    at = datetime(2022, 3, 8, 15, tzinfo=WIB)
    for session in sessions:
        records.record_outcome(
            OutcomeRecord(
                year=2022,
                province=session.province,
                session_id=session.id,
                actor=f"FAC-{session.desk}",
                items=items(session.province, session.desk),
                at=at,
            )
        )
    for province in PROVINCES:
        records.record_confirmations(
            ConfirmationsRecord(
                year=2022,
                province=province,
                actor=f"P{province}-KOORD",
                confirmations=[
                    ItemConfirmation(
                        ref=f"{province}-{desk}-0{n}", location_ready=n == 1, target_confirmed=True
                    )
                    for desk in DESKS
                    for n in (1, 2)
                ],
                at=datetime(2022, 3, 10, 10, tzinfo=WIB),
            )
        )
    # The daftar hadir: who checked in at Papua's sessions, one of them standing in for another.
    desk_1 = next(s for s in sessions if (s.province, s.desk) == ("94", "1.01"))
    stand_in = Participant(
        id="P94-OPD-01.w1",
        name="Yosef Kambu",
        role=Role.PROVINCE_OFFICE,
        organisation="Dinas Pendidikan Provinsi Papua",
        province="94",
        desks=("1.01",),
        email="yosef.kambu@papua.prov.test",
        zone="Asia/Jayapura",
    )
    records.record_delegation(
        DelegationRecord(
            year=2022,
            province="94",
            subject=desk_1.id,
            session_id=desk_1.id,
            delegator="P94-OPD-01",
            delegate=stand_in,
            at=datetime(2022, 2, 18, 9, tzinfo=WIB),
        )
    )
    for participant, mode in (("FAC-1.01", "onsite"), ("P94-OPD-01.w1", "online")):
        records.record_check_in(
            AttendanceEntry(
                year=2022,
                subject=desk_1.id,
                participant=participant,
                mode=mode,
                source="portal",
                at=desk_1.starts_at,
            )
        )
    return DocumentActivities(
        engine, tmp_path / "output", signer=AgreementSigner(make_test_ca(tmp_path / "ca"))
    )


def test_agreement_matches_golden_html_and_its_pdf_holds_the_same_items(
    documents: DocumentActivities, tmp_path: Path
) -> None:
    env = ActivityEnvironment()
    request = AgreementRequest(year=2022, province="94", rendered_at=datetime(2022, 3, 14, 9, tzinfo=WIB))
    to_sign = env.run(documents.render_agreement, request)
    records = RecordActivities(documents.engine)
    for party, actor, name, hour in (
        (Party.REGIONAL, "P94-KEPALA", "Kepala Bappeda Provinsi Papua", 10),
        (Party.CENTRAL, "ORG-01", "Direktur Jenderal Bina Pembangunan Daerah", 14),
    ):
        records.record_signature(
            SignatureRecord(
                year=2022,
                province="94",
                party=party,
                actor=actor,
                actor_name=name,
                sha256=to_sign.sha256,
                at=datetime(2022, 3, 15, hour, tzinfo=WIB),
            )
        )
    # Filed a day later than it was signed: the filed copy still carries the signed text.
    later = request.model_copy(update={"rendered_at": datetime(2022, 3, 17, 9, tzinfo=WIB)})
    signed = env.run(documents.render_signed_agreement, later)
    html = Path(signed.path).read_text(encoding="utf-8")
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(html, encoding="utf-8")
    assert html == GOLDEN.read_text(encoding="utf-8")
    # What was signed is there byte for byte; the Lembar Pengesahan is added after it, not into it.
    start = html.index('<section class="lembar-pengesahan">')
    end = html.index("</section>\n", start) + len("</section>\n")
    assert (html[:start] + html[end:]).encode("utf-8") == Path(to_sign.path).read_bytes()
    # The naskah dinas form: the date written out, the parties with NIP and position, Mengetahui.
    assert "Pada hari ini Senin, tanggal empat belas, bulan Maret, tahun dua ribu dua puluh dua" in html
    assert "Jakarta, 14 Maret 2022" in html and "17 Maret 2022" not in html
    assert "selanjutnya disebut <strong>PIHAK KESATU</strong>" in html
    assert "Kepala Bappeda Provinsi Papua" in html
    assert "Plt. Direktur Jenderal Bina Pembangunan Daerah" in html and "Mengetahui," in html
    assert "Demikian Berita Acara Kesepakatan ini dibuat" in html and "LAMPIRAN III" in html
    assert html[start:end].count(to_sign.sha256) == 3  # the text's own, and each signature's
    assert (signed.items_agreed, signed.items_not_agreed) == (4, 2)
    # Markup typed into an item's title is shown, never interpreted.
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in html and "<b>&</b>" not in html

    for document in (to_sign, signed):
        assert document.pdf_path is not None
        text = "".join(page.extract_text() for page in PdfReader(document.pdf_path).pages)
        flat = " ".join(text.split())
        for desk in DESKS:
            for n in (1, 2, 3):
                assert f"94-{desk}-0{n}" in flat
        assert "Rp39.500.000.000" in flat  # 2 desks × (12,5 + 7,25) miliar agreed
        assert "Readiness criteria (FS/DED) belum terpenuhi" in flat
        assert "DAFTAR HADIR" in flat and "Yosef Kambu (mewakili" in flat
    # The filed PDF: the signed pages unchanged, then the Lembar Pengesahan.
    to_sign_pages = [page.extract_text() for page in PdfReader(to_sign.pdf_path).pages]  # type: ignore[arg-type]
    filed_pages = [page.extract_text() for page in PdfReader(signed.pdf_path).pages]  # type: ignore[arg-type]
    assert filed_pages[: len(to_sign_pages)] == to_sign_pages
    assert "Lembar Pengesahan" in filed_pages[-1]
    signed_text = " ".join("".join(filed_pages).split())
    # The filed PDF is signed, once per party, each signature naming its signer and position; both
    # validate against the deployment's CA, and the last covers the whole file.
    ca = load_cert_from_pemder(str(tmp_path / "ca" / "ca.pem"))
    context = ValidationContext(trust_roots=[ca])
    with open(signed.pdf_path, "rb") as filed:  # type: ignore[arg-type]
        embedded = PdfFileReader(filed).embedded_signatures
        statuses = [validate_pdf_signature(signature, context) for signature in embedded]
        names = [signature.sig_object["/Name"] for signature in embedded]
    assert [s.bottom_line for s in statuses] == [True, True]
    assert statuses[-1].coverage is SignatureCoverageLevel.ENTIRE_FILE
    assert names == [
        "Kepala Bappeda Provinsi Papua, Kepala Bappeda Provinsi Papua",
        "Direktur Jenderal Bina Pembangunan Daerah, Plt. Direktur Jenderal Bina Pembangunan Daerah",
    ]
    assert to_sign.sha256 in signed_text.replace(" ", "")
    assert "Direktur Jenderal Bina Pembangunan Daerah" in signed_text


def test_exports_load_back_and_sum_to_the_database(documents: DocumentActivities, tmp_path: Path) -> None:
    export_cycle(documents.engine, 2022, tmp_path / "exports")
    with Session(documents.engine) as db:
        agreed = OutcomeItemRow.status != "not_agreed"
        national = db.scalar(select(func.sum(OutcomeItemRow.budget_rupiah)).where(agreed))
        per_province = dict(
            db.execute(
                select(OutcomeItemRow.province, func.sum(OutcomeItemRow.budget_rupiah))
                .where(agreed)
                .group_by(OutcomeItemRow.province)
            ).all()
        )

    def csv_rows(path: Path) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))

    rkp_csv = csv_rows(tmp_path / "exports" / "rkp-agreed-items.csv")
    rkp_json = json.loads((tmp_path / "exports" / "rkp-agreed-items.json").read_text(encoding="utf-8"))
    assert sum(int(r["budget_rupiah"]) for r in rkp_csv) == national == 4 * 19_750_000_000
    assert sum(int(r["budget_rupiah"]) for r in rkp_json) == national
    assert {r["status"] for r in rkp_csv} == {"agreed", "adjusted"}
    for province in PROVINCES:
        rkpd = csv_rows(tmp_path / "exports" / "rkpd" / f"rkpd-{province}-agreed-items.csv")
        assert {r["province"] for r in rkpd} == {province}
        assert sum(int(r["budget_rupiah"]) for r in rkpd) == per_province[province]


def test_the_daftar_hadir_and_the_delegations_are_exported(
    documents: DocumentActivities, tmp_path: Path
) -> None:
    export_cycle(documents.engine, 2022, tmp_path / "exports")
    present = list(csv.DictReader((tmp_path / "exports" / "attendance.csv").open(encoding="utf-8")))
    assert [(r["participant"], r["mode"], r["stands_in_for"]) for r in present] == [
        ("FAC-1.01", "onsite", ""),
        ("P94-OPD-01.w1", "online", "P94-OPD-01"),
    ]
    assert {r["province"] for r in present} == {"94"} and {r["desk"] for r in present} == {"1.01"}
    (delegation,) = json.loads((tmp_path / "exports" / "delegations.json").read_text(encoding="utf-8"))
    assert (delegation["delegator_name"], delegation["delegate_name"]) == ("Sri Mahendra", "Yosef Kambu")
