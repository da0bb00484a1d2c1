"""A namespace without rakortek's search attributes: a dev server on this machine gets them, any
other is refused before a cycle starts, with the commands its operator runs."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest
from temporalio.client import Client

from commands.namespace import SearchAttributesMissing, on_this_machine, require_search_attributes
from embedded.binaries import temporal_cli
from settings import Settings
from tests.processes import wait_for_port
from web.serve import free_port


@pytest.fixture
def bare_dev_server() -> Iterator[str]:
    """A dev server started without the search attributes the embedded stack registers."""
    port = free_port("127.0.0.1", 0)
    process = subprocess.Popen(
        [temporal_cli(), "server", "start-dev", "--ip", "127.0.0.1", "--port", str(port), "--headless"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, "Temporal dev server", timeout=60)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


async def test_missing_search_attributes_are_refused_or_registered(bare_dev_server: str) -> None:
    client = await Client.connect(bare_dev_server)
    settings = Settings.model_validate({"TEMPORAL_ADDRESS": bare_dev_server})
    with pytest.raises(SearchAttributesMissing) as refused:
        await require_search_attributes(client, settings, may_register=False)
    message = str(refused.value)
    assert "lacks the search attribute(s) RakortekYear, RakortekProvince, RakortekStage" in message
    assert (
        "temporal operator search-attribute create --namespace default --name RakortekYear --type Int"
        in message
    )
    # On this machine's own dev server, rakortek sets them up itself, once.
    assert await require_search_attributes(client, settings) == [
        "RakortekYear",
        "RakortekProvince",
        "RakortekStage",
    ]
    assert await require_search_attributes(client, settings, may_register=False) == []


def test_only_a_loopback_server_is_taken_for_a_dev_server() -> None:
    assert on_this_machine("127.0.0.1:7233") and on_this_machine("localhost:7233")
    assert not on_this_machine("temporal.bangda.kemendagri.go.id:7233")
    assert not on_this_machine("10.0.0.5:7233")
