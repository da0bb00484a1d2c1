"""Engine set-up and idempotent writes."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.orm import Session

from store.tables import Base


def connect(url: str) -> Engine:
    """An engine for ``url``; a SQLite file gets its folder, WAL and a busy timeout."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            # WAL lets readers (status, board) work while activities write.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
    else:
        engine = create_engine(url, pool_pre_ping=True)
    return engine


_writers: dict[str, threading.Lock] = {}


@contextmanager
def writing(engine: Engine) -> Iterator[None]:
    """One write transaction at a time in this process, on a SQLite file.

    SQLite takes one writer at a time, and a writer that finds the file taken polls, sleeping up
    to 100 ms between looks: with twenty threads of a worker writing at once (a desk day's
    outcomes in every province), each waited seconds for a write of milliseconds. Queued on a
    lock they take turns at once. PostgreSQL locks rows, not the database: no queue there.
    """
    if engine.dialect.name != "sqlite":
        yield
        return
    with _writers.setdefault(str(engine.url), threading.Lock()):
        yield


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session in one write transaction, committed at the end (see ``writing``)."""
    with writing(engine), Session(engine) as db, db.begin():
        yield db


def utc(value: datetime) -> datetime:
    """Naive UTC, the form every time takes in the database."""
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def _insert_of(dialect: str) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    else:
        raise NotImplementedError(f"upserts are not written for {dialect}")
    return insert


def upsert(
    session: Session,
    table: type[Base],
    rows: Sequence[dict[str, Any]],
    keys: Iterable[str],
    update: bool = True,
) -> None:
    """Insert rows; on a key already present, overwrite it (or leave it, with update=False)."""
    if not rows:
        return
    insert = _insert_of(session.get_bind().dialect.name)
    keys = list(keys)
    columns = [c for c in rows[0] if c not in keys]
    # On the table, not the mapped class: a plain executemany, without the ORM's bulk machinery.
    statement = insert(cast(Table, table.__table__))
    if update and columns:
        statement = statement.on_conflict_do_update(
            index_elements=keys, set_={c: statement.excluded[c] for c in columns}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    # Chunked: SQLite caps the number of bound parameters per statement.
    per_chunk = max(1, 30_000 // max(1, len(rows[0])))
    for start in range(0, len(rows), per_chunk):
        session.connection().execute(statement, list(rows[start : start + per_chunk]))


def insert_new(
    connection: Connection, table: type[Base], rows: Sequence[dict[str, Any]], key: str
) -> set[Any]:
    """Insert the rows whose ``key`` is not there yet; return the keys of those inserted."""
    if not rows:
        return set()
    insert = _insert_of(connection.dialect.name)
    target = cast(Table, table.__table__)
    statement = insert(target).on_conflict_do_nothing(index_elements=[key]).returning(target.c[key])
    return set(connection.execute(statement, list(rows)).scalars())
