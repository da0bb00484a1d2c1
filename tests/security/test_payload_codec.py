"""With a payload key, the Temporal server holds only ciphertext of names and addresses."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from embedded.smtp import MailStore
from models.cycle import load_cycle
from models.workflow_io import CycleInput, province_workflow_id
from security.codec import PayloadKeyError, parse_key
from settings import Settings
from temporal_client import data_converter
from tests.conftest import write_cycle
from worker import rakortek_worker
from workflows.cycle import CycleWorkflow


def payloads_of(message: Any) -> list[Payload]:
    """Every Payload inside a protobuf message, however deep (maps and lists included)."""
    if isinstance(message, Payload):
        return [message]
    found: list[Payload] = []
    for field, value in message.ListFields():
        if field.type != field.TYPE_MESSAGE:
            continue
        if not field.is_repeated:
            items = [value]
        elif field.message_type.GetOptions().map_entry:
            items = list(value.values())
        else:
            items = list(value)
        for item in items:
            if hasattr(item, "ListFields"):
                found += payloads_of(item)
    return found


async def test_encrypted_payloads_hide_participants_from_the_server(
    time_skipping: WorkflowEnvironment,
    settings: Settings,
    mail: tuple[MailStore, int],
    task_queue: str,
    tmp_path: Path,
) -> None:
    cycle = load_cycle(write_cycle(tmp_path / "cycle", ["94"], desks=["1.01", "W.02"]))
    key = base64.b64encode(os.urandom(32)).decode()
    encrypted = Settings.model_validate({**settings.model_dump(by_alias=True), "RAKORTEK_PAYLOAD_KEY": key})
    plain_client = time_skipping.client
    # The same connection (with the time-skipping interceptor), and the encrypting converter.
    client = Client(**{**plain_client.config(), "data_converter": data_converter(encrypted)})
    async with rakortek_worker(client, encrypted, task_queue):
        workflow_id = f"cycle-{task_queue}"
        summary = await client.execute_workflow(
            CycleWorkflow.run,
            CycleInput(cycle=cycle, rehearsal_speed=1.0, simulate_participants=True),
            id=workflow_id,
            task_queue=task_queue,
        )
    assert [p.stage for p in summary.provinces] == ["COMPLETED"]

    papua = next(p for p in cycle.participants if p.province == "94")
    for stored_id in (workflow_id, province_workflow_id(cycle.year, "94")):
        # What the server stores and its Web UI shows: no name, no address, only ciphertext.
        raw = await plain_client.get_workflow_handle(stored_id).fetch_history()
        payloads = [p for event in raw.events for p in payloads_of(event)]
        # Only search attributes (year, province code, stage, patch ids), patch markers and the
        # bookkeeping of local activities' markers (sequence, attempt, activity type, times;
        # their results are encrypted) stay readable: the server and the SDK read them.
        plain = [p for p in payloads if p.metadata["encoding"] != b"binary/encrypted"]
        assert len(plain) < len(payloads)
        for payload in plain:
            kind = payload.metadata.get("type")
            assert (
                kind in (b"Int", b"Keyword", b"KeywordList")
                or payload.data.startswith(b'{"id":')
                or payload.data.startswith(b'{"seq":')
            ), payload
        stored = b"".join(p.data for p in payloads)
        assert papua.email.encode() not in stored and papua.name.encode() not in stored
    # With the key, the same history reads back.
    readable = await client.get_workflow_handle(workflow_id).fetch_history()
    start = readable.events[0].workflow_execution_started_event_attributes.input.payloads
    decoded = await client.data_converter.decode(start, [CycleInput])
    assert papua.email in {p.email for p in decoded[0].cycle.participants}


def test_a_bad_key_is_refused_with_what_is_wrong() -> None:
    with pytest.raises(PayloadKeyError, match="32 bytes"):
        parse_key(base64.b64encode(b"short").decode())
    with pytest.raises(PayloadKeyError, match="not base64"):
        parse_key("not a key!")


async def test_with_the_key_a_failing_activity_names_no_one(
    time_skipping: WorkflowEnvironment,
    settings: Settings,
    mail: tuple[MailStore, int],
    task_queue: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    cycle = load_cycle(write_cycle(tmp_path / "cycle", ["94"], desks=["1.01"]))
    papua = next(p for p in cycle.participants if p.province == "94")
    # A busy relay deferring one person, quoting them as relays do.
    mail[0].refuse[papua.email] = f"451 4.3.0 <{papua.email}> ({papua.name}) try again later"
    key = base64.b64encode(os.urandom(32)).decode()
    encrypted = Settings.model_validate({**settings.model_dump(by_alias=True), "RAKORTEK_PAYLOAD_KEY": key})
    plain_client = time_skipping.client
    client = Client(**{**plain_client.config(), "data_converter": data_converter(encrypted)})
    caplog.set_level(logging.INFO)
    async with rakortek_worker(client, encrypted, task_queue):
        handle = await client.start_workflow(
            CycleWorkflow.run,
            CycleInput(cycle=cycle, rehearsal_speed=1.0),
            id=f"cycle-{task_queue}",
            task_queue=task_queue,
        )
        failures = []
        for _ in range(300):
            described = await plain_client.get_workflow_handle(handle.id).describe()
            failures = [
                a.last_failure
                for a in described.raw_description.pending_activities
                if a.HasField("last_failure")
            ]
            if failures:
                break
            await asyncio.sleep(0.1)
        await handle.terminate("the test has what it needs")

    assert failures, "the deferred delivery never failed its activity"
    # What the server keeps: no message, no stack trace in clear; only their ciphertext.
    for failure in failures:
        assert failure.message == "Encoded failure" and not failure.stack_trace
        stored = failure.SerializeToString()
        assert papua.email.encode() not in stored and papua.name.encode() not in stored
    # The worker's log names the message, not the person. (The SMTP server's own log, "mail.log",
    # is the relay's business: it is not the worker's.)
    logged = "\n".join(
        record.getMessage() + str(record.exc_info or "")
        for record in caplog.records
        if not record.name.startswith("mail.log")
    )
    assert "deferred" in logged
    assert papua.email not in logged and papua.name not in logged
