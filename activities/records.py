"""Writes to the database. Every write is keyed so that a retry lands on the same rows."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, and_, delete, select, update
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.registration import participant_row, register_cycle
from activities.together import insert_actions, insert_check_ins, replace_outcome
from models.records import (
    ActionRecord,
    ActionRecords,
    AttendanceEntry,
    AttendanceImport,
    AttendanceRecord,
    ConfirmationsRecord,
    DeadlineChange,
    DelegationRecord,
    DirectoryChange,
    OutcomeRecord,
    OutcomeRecords,
    ProposalsRecord,
    RegisterCycle,
    ReplyRecord,
    SessionChange,
    SignatureRecord,
    SignaturesVoided,
    StageChange,
    TogetherRecords,
    WriteFailure,
)
from models.stages import SessionState
from store.database import transaction, upsert, utc
from store.tables import (
    ConfirmationRow,
    CycleRow,
    DelegationRow,
    LinkRevocationRow,
    ParticipantRow,
    PortalSessionRow,
    ProposalRow,
    ProvinceProgressRow,
    ReplyRow,
    SessionInviteeRow,
    SessionRow,
    SignatureRow,
    StageChangeRow,
    WriteFailureRow,
)


class RecordActivities:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @activity.defn
    def register_cycle(self, request: RegisterCycle) -> None:
        register_cycle(self.engine, request)

    @activity.defn
    def record_deadline(self, change: DeadlineChange) -> None:
        """A province's deadline as an organizer extended it."""
        column = f"{change.step.field}_deadline"
        with transaction(self.engine) as db:
            db.execute(
                update(ProvinceProgressRow)
                .where(
                    ProvinceProgressRow.year == change.year, ProvinceProgressRow.province == change.province
                )
                .values({column: utc(change.deadline)})
            )

    @activity.defn
    def record_action(self, record: ActionRecord) -> None:
        self.record_actions(ActionRecords(actions=[record]))

    @activity.defn
    def record_actions(self, records: ActionRecords) -> None:
        """Several audit rows in one transaction: a burst of actions, written at once. The same
        row again (a retried write) changes nothing; another action under a key already taken
        fails loudly, for it would otherwise go unaudited."""
        with transaction(self.engine) as db:
            collision = insert_actions(db, records.actions)
        # After the commit: the other rows of the batch are kept.
        if collision is not None:
            raise collision

    @activity.defn
    def record_together(self, rows: TogetherRecords) -> None:
        """Audit rows, check-ins and outcomes queued side by side, in one transaction: a desk
        day's end (every facilitator at once) costs one write per province, not two."""
        with transaction(self.engine) as db:
            collision = insert_actions(db, rows.actions)
            insert_check_ins(db, rows.check_ins)
            for record in rows.outcomes:
                replace_outcome(db, record)
        if collision is not None:
            raise collision

    @activity.defn
    def record_write_failure(self, failure: WriteFailure) -> None:
        row = {**failure.model_dump(), "error": failure.error[:400], "at": utc(failure.at)}
        with transaction(self.engine) as db:
            upsert(db, WriteFailureRow, [row], ["workflow_id", "number"], update=False)

    @activity.defn
    def void_signatures(self, voided: SignaturesVoided) -> None:
        with transaction(self.engine) as db:
            db.execute(
                delete(SignatureRow).where(
                    SignatureRow.year == voided.year,
                    SignatureRow.province == voided.province,
                    SignatureRow.party.in_(voided.parties),
                )
            )

    @activity.defn
    def record_stage(self, change: StageChange) -> None:
        with transaction(self.engine) as db:
            db.execute(
                update(ProvinceProgressRow)
                .where(
                    ProvinceProgressRow.year == change.year,
                    ProvinceProgressRow.province == change.province,
                )
                .values(stage=change.stage.value, stage_since=utc(change.at))
            )
            upsert(
                db,
                StageChangeRow,
                [
                    {
                        "year": change.year,
                        "province": change.province,
                        "stage": change.stage.value,
                        "entered_at": utc(change.at),
                    }
                ],
                ["year", "province", "stage"],
            )

    @activity.defn
    def record_proposals(self, record: ProposalsRecord) -> None:
        rows = [
            {
                "year": record.year,
                "province": record.province,
                **item.model_dump(mode="json"),
                "submitted_by": record.actor,
                "submitted_at": utc(record.at),
            }
            for item in record.items
        ]
        with transaction(self.engine) as db:
            upsert(db, ProposalRow, rows, ["year", "province", "ref"])

    @activity.defn
    def record_outcome(self, record: OutcomeRecord) -> None:
        """Replaces the session's outcome in one transaction: never half of it."""
        with transaction(self.engine) as db:
            replace_outcome(db, record)

    @activity.defn
    def record_outcomes(self, records: OutcomeRecords) -> None:
        """Several sessions' outcomes in one transaction (a desk day's end, every facilitator at
        once), each replacing its session's as record_outcome does, in the order recorded."""
        with transaction(self.engine) as db:
            for record in records.outcomes:
                replace_outcome(db, record)

    @activity.defn
    def record_confirmations(self, record: ConfirmationsRecord) -> None:
        rows = [
            {
                "year": record.year,
                "province": record.province,
                **c.model_dump(mode="json"),
                "confirmed_by": record.actor,
                "confirmed_at": utc(record.at),
            }
            for c in record.confirmations
        ]
        with transaction(self.engine) as db:
            upsert(db, ConfirmationRow, rows, ["year", "province", "ref"])

    @activity.defn
    def record_signature(self, record: SignatureRecord) -> None:
        with transaction(self.engine) as db:
            upsert(
                db,
                SignatureRow,
                [
                    {
                        "year": record.year,
                        "province": record.province,
                        "party": record.party.value,
                        "signer": record.actor,
                        "signer_name": record.actor_name,
                        "sha256": record.sha256,
                        "signed_at": utc(record.at),
                    }
                ],
                ["year", "province", "party"],
            )

    @activity.defn
    def record_check_ins(self, imported: AttendanceImport) -> None:
        with transaction(self.engine) as db:
            insert_check_ins(db, imported.entries)

    @activity.defn
    def record_check_in(self, entry: AttendanceEntry) -> None:
        with transaction(self.engine) as db:
            insert_check_ins(db, [entry])

    @activity.defn
    def record_directory_change(self, change: DirectoryChange) -> None:
        """The person in the directory and in the sessions' invitees, in the place of whoever
        leaves, whose links stop opening and whose portal sessions end; keyed, so a repeat
        changes nothing."""
        with transaction(self.engine) as db:
            upsert(db, ParticipantRow, [participant_row(change.year, change.person)], ["year", "id"])
            # Workers keep the people they have written to; this tells them to read again.
            db.execute(
                update(CycleRow)
                .where(CycleRow.year == change.year)
                .values(directory_version=CycleRow.directory_version + 1)
            )
            if change.leaves is not None and change.sessions:
                db.execute(
                    delete(SessionInviteeRow).where(
                        SessionInviteeRow.year == change.year,
                        SessionInviteeRow.participant == change.leaves,
                        SessionInviteeRow.session_id.in_(change.sessions),
                    )
                )
            rows = [
                {"year": change.year, "session_id": s, "participant": change.person.id}
                for s in change.sessions
            ]
            if rows:
                upsert(db, SessionInviteeRow, rows, ["year", "session_id", "participant"], update=False)
            if change.leaves is not None:
                db.execute(
                    update(ParticipantRow)
                    .where(ParticipantRow.year == change.year, ParticipantRow.id == change.leaves)
                    .values(replaced_by=change.person.id)
                )
                reason = f"replaced by {change.person.id}"
                revoked = {
                    "year": change.year,
                    "participant": change.leaves,
                    "reason": reason,
                    "revoked_by": change.by,
                }
                upsert(
                    db,
                    LinkRevocationRow,
                    [{**revoked, "at": datetime.now(UTC).replace(tzinfo=None)}],
                    ["year", "participant"],
                    update=False,
                )
                db.execute(
                    delete(PortalSessionRow).where(
                        PortalSessionRow.year == change.year, PortalSessionRow.participant == change.leaves
                    )
                )

    @activity.defn
    def record_delegation(self, record: DelegationRecord) -> None:
        """The delegate joins the directory and the session's invitees; keyed, so a repeat
        changes nothing."""
        person = record.delegate
        with transaction(self.engine) as db:
            upsert(
                db,
                ParticipantRow,
                [participant_row(record.year, person)],
                ["year", "id"],
            )
            if record.session_id is not None:
                row = {"year": record.year, "session_id": record.session_id, "participant": person.id}
                upsert(db, SessionInviteeRow, [row], ["year", "session_id", "participant"], update=False)
            upsert(
                db,
                DelegationRow,
                [
                    {
                        "year": record.year,
                        "subject": record.subject,
                        "delegator": record.delegator,
                        "delegate": person.id,
                        "province": record.province,
                        "at": utc(record.at),
                    }
                ],
                ["year", "subject", "delegator"],
            )

    @activity.defn
    def record_reply(self, record: ReplyRecord) -> None:
        with transaction(self.engine) as db:
            upsert(
                db,
                ReplyRow,
                [
                    {
                        "year": record.year,
                        "subject": record.subject,
                        "participant": record.participant,
                        "partstat": record.partstat,
                        "sequence": record.sequence,
                        "replied_at": utc(record.at),
                        "mode": record.mode,
                    }
                ],
                ["year", "subject", "participant"],
            )

    @activity.defn
    def record_attendance(self, record: AttendanceRecord) -> None:
        with transaction(self.engine) as db:
            db.execute(update(CycleRow).where(CycleRow.year == record.year).values(attended=record.attended))

    @activity.defn
    def change_session(self, change: SessionChange) -> None:
        """Move, cancel or restore a session; refuses a time at which its desk is taken."""
        starts, ends = utc(change.starts_at), utc(change.ends_at)
        with transaction(self.engine) as db:
            if change.state is not SessionState.CANCELLED:
                clash = db.scalars(
                    select(SessionRow).where(
                        SessionRow.year == change.year,
                        SessionRow.desk == change.desk,
                        SessionRow.id != change.session_id,
                        SessionRow.state != SessionState.CANCELLED.value,
                        and_(SessionRow.starts_at < ends, SessionRow.ends_at > starts),
                    )
                ).first()
                if clash is not None:
                    raise ApplicationError(
                        f"desk {change.desk} is taken at that time by session {clash.id}",
                        type="DeskTaken",
                        non_retryable=True,
                    )
            db.execute(
                update(SessionRow)
                .where(SessionRow.id == change.session_id)
                .values(
                    starts_at=starts,
                    ends_at=ends,
                    room=change.room,
                    online_link=change.online_link,
                    sequence=change.sequence,
                    state=change.state.value,
                )
            )
