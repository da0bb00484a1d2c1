"""rakortek's search attributes on the Temporal namespace: checked before a cycle starts or a
worker polls, since a workflow that sets one the namespace lacks fails every task (the cycle
makes no progress, with only warnings in the worker's log)."""

from __future__ import annotations

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from settings import Settings
from workflows.search_attributes import SEARCH_ATTRIBUTES

LOOPBACK = ("127.0.0.1", "localhost", "[::1]")

INDEXED_TYPES = {
    "Int": IndexedValueType.INDEXED_VALUE_TYPE_INT,
    "Keyword": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
}


async def ensure_search_attributes(client: Client, namespace: str) -> list[str]:
    """Add those missing, one at a time; returns the names added (none on a server set up)."""
    added = []
    for key, kind in SEARCH_ATTRIBUTES:
        try:
            await client.operator_service.add_search_attributes(
                AddSearchAttributesRequest(
                    namespace=namespace, search_attributes={key.name: INDEXED_TYPES[kind]}
                )
            )
            added.append(key.name)
        except RPCError as exc:
            if exc.status != RPCStatusCode.ALREADY_EXISTS:
                raise
    return added


class SearchAttributesMissing(RuntimeError):
    """The namespace lacks some of rakortek's search attributes; the message says how to add them."""


async def missing_search_attributes(client: Client, namespace: str) -> list[tuple[str, str]]:
    try:
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace)
        )
    except RPCError as exc:
        # Temporal's time-skipping test server has no operator service, and takes any attribute.
        if exc.status == RPCStatusCode.UNIMPLEMENTED:
            return []
        raise
    known = set(listed.custom_attributes) | set(listed.system_attributes)
    return [(key.name, kind) for key, kind in SEARCH_ATTRIBUTES if key.name not in known]


def on_this_machine(address: str) -> bool:
    """A Temporal server at a loopback address: a dev server, whose namespace is ours to set up."""
    return address.rsplit(":", 1)[0] in LOOPBACK


async def require_search_attributes(
    client: Client, settings: Settings, may_register: bool | None = None
) -> list[str]:
    """Nothing when the namespace has them all. A dev server on this machine (``may_register``,
    by default judged from the address) gets the missing ones, returned; any other server is
    left as it is, and SearchAttributesMissing names the command its operator runs."""
    namespace = settings.temporal_namespace
    missing = await missing_search_attributes(client, namespace)
    if not missing:
        return []
    if may_register if may_register is not None else on_this_machine(settings.temporal_address):
        return await ensure_search_attributes(client, namespace)
    commands = "\n".join(
        f"  temporal operator search-attribute create --namespace {namespace} --name {name} --type {kind}"
        for name, kind in missing
    )
    raise SearchAttributesMissing(
        f"namespace {namespace!r} at {settings.temporal_address} lacks the search attribute(s) "
        f"{', '.join(name for name, _ in missing)}: every workflow task of a cycle would fail. "
        f"Its operator adds them with:\n{commands}"
    )
