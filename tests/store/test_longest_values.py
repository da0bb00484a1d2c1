"""The longest value each input accepts is the longest its column stores, on SQLite and on
PostgreSQL (which refuses, where SQLite would not, a value longer than its column)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from activities.records import RecordActivities
from models.items import ProposalItem
from models.participants import Participant, Role
from models.records import ActionRecord, ActionRecords, DelegationRecord, ProposalsRecord, SessionChange
from models.stages import SessionState
from models.workflow_io import Delegate, Origin, RescheduleSession
from store.tables import ActionRow, DelegationRow, ParticipantRow, ProposalRow, SessionRow
from tests.helpers.mail import registered_cycle
from tests.helpers.plan import plan_and_store
from tests.helpers.progress import proposal
from workflows.update_guard import UPDATE_ID

AT = datetime(2022, 2, 21, 2, tzinfo=UTC)


def longest(accepts: Callable[[str], object], unit: str, prefix: str = "") -> str:
    """The longest ``prefix + unit * n`` that ``accepts`` takes (it raises ValidationError on
    the others): found by halving, as a person pasting ever longer text would."""
    low, high = 0, 5000
    while low < high:
        middle = (low + high + 1) // 2
        try:
            accepts(prefix + unit * middle)
        except ValidationError:
            high = middle - 1
        else:
            low = middle
    return prefix + unit * low


def test_the_longest_accepted_values_are_stored(database_url: str, tmp_path: Path) -> None:
    cycle, engine = registered_cycle(tmp_path, database_url)
    (session,) = plan_and_store(engine, cycle)
    records = RecordActivities(engine)
    base = proposal("r", "1.01").model_dump()

    # Multi-byte letters: PostgreSQL counts characters, not bytes, and so must the models.
    def item_with(field: str) -> Callable[[str], object]:
        return lambda value: ProposalItem.model_validate({**base, field: value})

    fields = {f: longest(item_with(f), "É") for f in ("title", "indicator", "target_unit", "location")}
    ref = longest(item_with("ref"), "Ř")
    item = ProposalItem.model_validate({**base, **fields, "ref": ref})
    records.record_proposals(
        ProposalsRecord(year=2022, province="94", actor="P94-KOORD", items=[item], at=AT)
    )

    def move(**change: str) -> Callable[[str], object]:
        field = next(iter(change))
        return lambda value: RescheduleSession(actor="ORG-02", desk="1.01", starts_at=AT, **{field: value})  # type: ignore[arg-type]

    room = longest(move(room=""), "Ř")
    link = longest(move(online_link=""), "x", prefix="https://vicon.kemendagri.test/")
    change = SessionChange.of(session, 2022).model_copy(
        update={"room": room, "online_link": link, "sequence": 1}
    )
    records.change_session(change.model_copy(update={"state": SessionState.INVITED}))

    name = longest(lambda v: Delegate(actor="P94-KOORD", name=v, email="a@papua.prov.test"), "Ā")
    delegate = Participant(
        id="P94-KOORD.w1",
        name=name,
        role=Role.PROVINCE_COORDINATOR,
        organisation="Bappeda Provinsi Papua",
        province="94",
        email="wakil@papua.prov.test",
    )
    records.record_delegation(DelegationRecord.of(2022, "94", None, "P94-KOORD", delegate, AT))

    update_id = "u" * 100
    assert UPDATE_ID.fullmatch(update_id) and not UPDATE_ID.fullmatch(update_id + "u")
    origin = Origin(
        session=longest(lambda v: Origin(session=v, ip="", user_agent=""), "a"),
        ip=longest(lambda v: Origin(session="", ip=v, user_agent=""), "f"),
        user_agent=longest(lambda v: Origin(session="", ip="", user_agent=v), "é"),
    )
    action = ActionRecord(
        year=2022,
        province="94",
        workflow_id="rakortek-2022-province-94",
        update_id=update_id,
        action="submit_proposals",
        actor="P94-KOORD",
        token_id="t" * 24,
        detail="1 item",
        at=AT,
        portal_session=origin.session,
        ip=origin.ip,
        user_agent=origin.user_agent,
    )
    records.record_actions(ActionRecords(actions=[action]))

    with Session(engine) as db:
        stored = db.scalars(select(ProposalRow)).one()
        assert (stored.ref, stored.title, stored.location) == (ref, fields["title"], fields["location"])
        moved = db.get(SessionRow, session.id)
        assert moved is not None and (moved.room, moved.online_link) == (room, link)
        assert db.get(ParticipantRow, (2022, "P94-KOORD.w1")).name == name  # type: ignore[union-attr]
        assert db.scalars(select(DelegationRow)).one().delegate == "P94-KOORD.w1"
        audited = db.scalars(select(ActionRow)).one()
        assert (audited.update_id, audited.user_agent) == (update_id, origin.user_agent)
    # What the models take is what the columns hold, no less (a limit far below is a bug too).
    assert len(room) == 200 and len(link) == 300 and len(fields["title"]) == 300 and len(ref) == 64
