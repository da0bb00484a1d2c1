"""SIGN_OFF: each side signs the agreement; an organizer may amend an outcome meanwhile."""

from __future__ import annotations

from datetime import datetime

from models.participants import Participant, Role
from models.progress import SIGNER_ROLE, ProvinceProgress
from models.stages import Stage
from models.workflow_io import RecordOutcome, SignAgreement
from rules.access import province_actor, refuse, require_province, require_role
from rules.items import check_desk_items


def check_signature(progress: ProvinceProgress, update: SignAgreement, now: datetime) -> Participant:
    document = progress.document
    if progress.stage is not Stage.SIGN_OFF or document is None:
        raise refuse(f"nothing to sign yet: the province is in {progress.stage}", "nothing_to_sign")
    person = province_actor(progress, update.actor, update.token, now, sign_document=update.document_sha256)
    if update.party in progress.signatures:
        earlier = progress.signatures[update.party]
        raise refuse(
            f"the {update.party.value} side has already signed (by {earlier.signer})",
            "signed_already",
            signer=earlier.signer,
        )
    require_role(person, (SIGNER_ROLE[update.party],), f"sign for the {update.party.value} side")
    require_province(person, progress.code, "sign")
    if update.document_sha256 != document.sha256:
        raise refuse(
            f"the signature is for another version of the document: expected SHA-256 {document.sha256}",
            "superseded_document",
        )
    return person


def check_amendment(progress: ProvinceProgress, update: RecordOutcome, now: datetime) -> Participant:
    """An organizer corrects an agreed outcome; the document then changes and is signed again."""
    if progress.stage is not Stage.SIGN_OFF:
        raise refuse(f"outcomes are amended during SIGN_OFF only; the province is in {progress.stage}")
    if progress.amended:
        raise refuse("the previous amendment is still being turned into a new document; try again shortly")
    person = province_actor(progress, update.actor, update.token, now)
    require_role(person, (Role.ORGANIZER,), "amend an agreed outcome")
    if update.desk not in progress.outcomes:
        raise refuse(f"desk {update.desk!r} has no outcome to amend")
    check_desk_items(progress, update.desk, update.items)
    return person
