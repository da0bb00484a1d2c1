"""Signatures and amendments during sign-off (rules/sign_off.py)."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from temporalio.exceptions import ApplicationError

from models.stages import Party, Stage
from models.workflow_io import RecordOutcome, SignAgreement, SignatureView
from rules.sign_off import check_amendment, check_signature
from security.tokens import read_unverified
from tests.helpers.progress import document, outcome, progress, token

NOW = datetime(2022, 3, 14, 10, tzinfo=ZoneInfo("Asia/Jakarta"))
SHA = "a" * 64


def refused(reason: str):  # type: ignore[no-untyped-def]
    return pytest.raises(ApplicationError, match=re.escape(reason))


def sign(state, actor: str, party: Party, sha: str = SHA, signed_for: str | None = None) -> SignAgreement:  # type: ignore[no-untyped-def]
    return SignAgreement(
        actor=actor, token=token(state, actor, document=signed_for or sha), party=party, document_sha256=sha
    )


def signing() -> object:
    state = progress()
    state.record_outcome("1.01", [outcome("94-1", "1.01")], "FAC-1.01")
    state.enter(Stage.SIGN_OFF)
    state.set_document(document(SHA))
    return state


def test_each_side_signs_once_the_document_it_was_sent() -> None:
    state = progress()
    with refused("nothing to sign yet: the province is in PRE_MEETING"):
        check_signature(state, sign(state, "P94-KEPALA", Party.REGIONAL), NOW)
    state = signing()
    regional = sign(state, "P94-KEPALA", Party.REGIONAL)
    assert check_signature(state, regional, NOW).id == "P94-KEPALA"
    with refused("may not sign for the central side"):
        check_signature(state, sign(state, "P94-KEPALA", Party.CENTRAL), NOW)
    with refused("the signature is for another version of the document"):
        check_signature(state, sign(state, "P94-KEPALA", Party.REGIONAL, sha="b" * 64), NOW)
    with refused("the signature token is for another version of the document"):
        check_signature(state, sign(state, "P94-KEPALA", Party.REGIONAL, signed_for="c" * 64), NOW)
    action_token = SignAgreement(
        actor="P94-KEPALA", token=token(state, "P94-KEPALA"), party=Party.REGIONAL, document_sha256=SHA
    )
    with refused("a signature needs the signature token of the sign-off request"):
        check_signature(state, action_token, NOW)
    view = SignatureView(party=Party.REGIONAL, signer="P94-KEPALA", signed_at=NOW, document_sha256=SHA)
    assert state.sign(view, None) == ["central"]
    with refused("the regional side has already signed (by P94-KEPALA)"):
        check_signature(state, regional, NOW)


def test_a_spent_signature_token_is_refused_even_after_an_amendment() -> None:
    state = signing()
    regional = sign(state, "P94-KEPALA", Party.REGIONAL)
    view = SignatureView(party=Party.REGIONAL, signer="P94-KEPALA", signed_at=NOW, document_sha256=SHA)
    state.sign(view, read_unverified(regional.token or "").link)
    assert state.amend_outcome("1.01", [outcome("94-1", "1.01")]) == ["regional"]
    state.set_document(document(SHA))
    with refused("this signature token has been used already"):
        check_signature(state, regional, NOW)


def amend(state, actor: str = "ORG-02", desk: str = "1.01") -> RecordOutcome:  # type: ignore[no-untyped-def]
    return RecordOutcome(actor=actor, token=token(state, actor), desk=desk, items=[outcome("94-1", desk)])


def test_amendments() -> None:
    state = progress()
    with refused("amended during SIGN_OFF only"):
        check_amendment(state, amend(state), NOW)
    state = signing()
    assert check_amendment(state, amend(state), NOW).id == "ORG-02"
    with refused("may not amend an agreed outcome"):
        check_amendment(state, amend(state, actor="FAC-1.01"), NOW)
    with refused("desk 'W.01' has no outcome to amend"):
        check_amendment(state, amend(state, desk="W.01"), NOW)
    state.amend_outcome("1.01", [outcome("94-1", "1.01")])
    with refused("the previous amendment is still being turned into a new document"):
        check_amendment(state, amend(state), NOW)
