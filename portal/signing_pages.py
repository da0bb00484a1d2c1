"""The Tanda tangan page: a signer reads the agreement minutes, consents, and signs through the
`sign` update, with a signature token made for that version of the document alone.

The page shows the document's SHA-256 and both parties' state. When an organizer amends an
outcome during sign-off, the document changes, the signatures on the old one are void, and the
page asks again for the new one.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from activities.agreement_form import person_view
from mail.dates import letter_datetime
from mail.wording import document_label
from models.participants import Role
from models.stages import Party, Stage
from portal.home import cycle_of
from portal.pages import Note, Portal, labels, origin_of
from portal.visitors import Visitor
from store.tables import AgreementRow, ParticipantRow, ProvinceProgressRow, SignatureRow

PARTY_OF_ROLE = {Role.REGIONAL_SIGNER.value: Party.REGIONAL, Role.CENTRAL_SIGNER.value: Party.CENTRAL}


@dataclass(frozen=True)
class SignatureState:
    party: str
    signer: str | None
    signed_at: str | None
    current: bool
    """Signed on the document as it is now (a signature on an earlier version is void)."""


class SigningPages:
    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.engine = portal.engine

    def routes(self) -> list[Route]:
        return [
            Route("/tanda-tangan", self.choose),
            Route("/tanda-tangan/{province}", self.page, methods=["GET", "POST"]),
            Route("/tanda-tangan/{province}/berita-acara.{kind}", self.document),
        ]

    @staticmethod
    def party_of(visitor: Visitor, province: str) -> Party | None:
        party = PARTY_OF_ROLE.get(visitor.role)
        if party is Party.REGIONAL and visitor.province != province:
            return None
        return party

    def _state(
        self, visitor: Visitor, province: str
    ) -> tuple[AgreementRow | None, str, list[SignatureState]]:
        with Session(self.engine) as db:
            agreement = db.get(AgreementRow, (visitor.year, province))
            progress = db.get(ProvinceProgressRow, (visitor.year, province))
            signatures = {
                s.party: s
                for s in db.scalars(
                    select(SignatureRow).where(
                        SignatureRow.year == visitor.year, SignatureRow.province == province
                    )
                )
            }
        zone = visitor.zone
        states = []
        for party in Party:
            signed = signatures.get(party.value)
            current = signed is not None and agreement is not None and signed.sha256 == agreement.sha256
            states.append(
                SignatureState(
                    party=party.value,
                    signer=signed.signer_name if signed else None,
                    signed_at=letter_datetime(signed.signed_at.replace(tzinfo=UTC), zone, visitor.language)
                    if signed
                    else None,
                    current=current,
                )
            )
        return agreement, progress.stage if progress else "", states

    def _position(self, visitor: Visitor, party: Party, region_title: str) -> str:
        """The signer's position as the berita acara prints it (activities/agreement_form.py)."""
        default = (
            document_label("regional_position", title=region_title)
            if party is Party.REGIONAL
            else document_label("central_position")
        )
        with Session(self.engine) as db:
            person = db.get(ParticipantRow, (visitor.year, visitor.id))
        return person_view(person, default)["position"]

    async def choose(self, request: Request) -> Response:
        return await self.portal.choose_province(request, "/tanda-tangan")

    async def page(self, request: Request) -> Response:
        visitor = await self.portal.visitor(request)
        if visitor is None:
            return self.portal.expired(request)
        province = request.path_params["province"]
        party = self.party_of(visitor, province)
        cycle = cycle_of(self.engine, visitor.year)
        if party is None or cycle is None:
            return self.portal.message(request, "refused_title", ["not_found"], 404)
        t = labels(visitor.language)
        agreement, stage, states = await asyncio.to_thread(self._state, visitor, province)
        notes: list[Note] = []
        status_code = 200
        if request.method == "POST":
            form = await request.form()
            shown = str(form.get("sha256", ""))
            if form.get("consent") != "ya":
                notes.append(Note("refused", t["consent_missing"]))
                status_code = 422
            elif agreement is None or shown != agreement.sha256:
                # The document changed while the page was open (an amendment): read the new one.
                notes.append(Note("refused", t["document_changed"]))
                status_code = 409
            else:
                outcome = await self.portal.actions.sign(
                    visitor, origin_of(request, visitor), province, party, agreement.sha256
                )
                if outcome.accepted:
                    return RedirectResponse(f"/tanda-tangan/{province}?ditandatangani=1", status_code=303)
                notes.append(
                    Note(
                        "refused",
                        t["signature_refused"].format(reason=outcome.worded(visitor.language, visitor.zone)),
                    )
                )
                status_code = outcome.status_code
        elif request.query_params.get("ditandatangani"):
            notes.append(Note("ok", t["signed"]))
        mine = next(s for s in states if s.party == party.value)
        voided = mine.signer is not None and not mine.current
        title = next((p.title for p in cycle.provinces if p.code == province), province)
        position = await asyncio.to_thread(self._position, visitor, party, title)
        return self.portal.render(
            request,
            "signing.html.j2",
            "signing",
            visitor,
            status_code=status_code,
            title_text=t["signing_for"].format(region=title),
            province=province,
            agreement=agreement,
            open=stage == Stage.SIGN_OFF.value and agreement is not None,
            party=party.value,
            position=position,
            states=states,
            mine=mine,
            voided=voided,
            notes=notes,
        )

    async def document(self, request: Request) -> Response:
        visitor = await self.portal.visitor(request)
        if visitor is None:
            return self.portal.expired(request)
        province, kind = request.path_params["province"], request.path_params["kind"]
        if self.party_of(visitor, province) is None or kind not in ("html", "pdf"):
            return self.portal.message(request, "refused_title", ["not_found"], 404)
        agreement, _, _ = await asyncio.to_thread(self._state, visitor, province)
        if agreement is None:
            return self.portal.message(request, "refused_title", ["not_found"], 404)
        path = Path(agreement.path).with_suffix(f".{kind}")
        if not path.exists():
            return self.portal.message(request, "refused_title", ["not_found"], 404)
        media = "application/pdf" if kind == "pdf" else "text/html; charset=utf-8"
        return FileResponse(path, media_type=media, headers={"Cache-Control": "no-store"})
