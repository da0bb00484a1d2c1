"""Runs the rakortek worker: every workflow and activity, on one task queue."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.service import TLSConfig
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.documents import DocumentActivities, pdf_processes
from activities.messages import MessageActivities
from activities.planning import PlanningActivities
from activities.records import RecordActivities
from activities.simulation import SimulationActivities
from mail.transport import SmtpConfig, SmtpPool
from security import tokens
from security.codec import parse_key, with_encryption
from security.tokens import TokenIssuer
from settings import Settings, load_settings
from store.database import connect
from store.schema import SchemaError, require_current
from workflows.cycle import CycleWorkflow
from workflows.province import ProvinceWorkflow

WORKFLOWS = [CycleWorkflow, ProvinceWorkflow]
GRACEFUL_SHUTDOWN = timedelta(seconds=30)
"""Within compose's stop_grace_period (60 s), so that a stopping worker is not killed mid-activity."""

# Pure, deterministic modules the workflows use, shared with the sandbox rather than re-imported
# for every workflow run; zoneinfo's ZoneInfo must be the real class for datetime to accept it.
PASSTHROUGH = (
    "zoneinfo",
    "models",
    "schedule",
    "mail",
    "activities",
    "store",
    "holidays",
    "babel",
    "email_validator",
    "idna",
    # The token verifier holds the worker's secret: one instance for all workflow runs.
    "security",
    "jwt",
)


def workflow_runner() -> SandboxedWorkflowRunner:
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH)
    )


class TokenSecretMissing(RuntimeError):
    """A worker cannot check who acts without the token secret."""


def tls_config(settings: Settings) -> TLSConfig | bool:
    """TLS for a cluster or Temporal Cloud: server CA, client certificate (mTLS), server name."""
    files = (settings.temporal_tls_ca, settings.temporal_tls_cert, settings.temporal_tls_key)
    if not any(files) and not settings.temporal_tls_server_name:
        # Temporal Cloud's API keys travel only over TLS.
        return settings.temporal_tls or settings.temporal_api_key is not None
    if bool(settings.temporal_tls_cert) != bool(settings.temporal_tls_key):
        raise ValueError("TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together (mTLS needs both)")
    read = lambda path: path.read_bytes() if path else None  # noqa: E731
    return TLSConfig(
        server_root_ca_cert=read(settings.temporal_tls_ca),
        client_cert=read(settings.temporal_tls_cert),
        client_private_key=read(settings.temporal_tls_key),
        domain=settings.temporal_tls_server_name,
    )


def data_converter(settings: Settings) -> DataConverter:
    """Pydantic payloads, encrypted when RAKORTEK_PAYLOAD_KEY is set."""
    key = parse_key(settings.payload_key.get_secret_value()) if settings.payload_key else None
    return with_encryption(pydantic_data_converter, key)


async def connect_client(settings: Settings) -> Client:
    api_key = settings.temporal_api_key.get_secret_value() if settings.temporal_api_key else None
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
        tls=tls_config(settings),
        api_key=api_key,
    )


@contextlib.asynccontextmanager
async def rakortek_worker(
    client: Client, settings: Settings, task_queue: str | None = None
) -> AsyncIterator[Worker]:
    """A worker with its database, SMTP pool and activities; closed on exit.

    Raises SchemaError before polling when the database is not at this code's schema: a worker
    writing to a schema it does not know would fail on every activity instead of once, here.
    """
    if settings.token_secret is None:
        raise TokenSecretMissing(
            "RAKORTEK_TOKEN_SECRET is not set: workers sign and check the action tokens with it "
            "(see .env.example)"
        )
    secret = settings.token_secret.get_secret_value()
    tokens.configure(secret)
    issuer = TokenIssuer(secret)
    engine = connect(settings.database_url)
    require_current(engine)
    pool = SmtpPool(
        SmtpConfig(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            security=settings.smtp_security,
            ca_file=settings.smtp_ca_file,
        )
    )
    records = RecordActivities(engine)
    planning = PlanningActivities(engine)
    messages = MessageActivities(engine, pool, settings.mail_from, issuer)
    pdf_pool = pdf_processes(settings.worker_pdf_processes)
    documents = DocumentActivities(engine, settings.output_dir, pdf_pool)
    simulation = SimulationActivities(client, engine, issuer)
    # Database activities are synchronous and run in this pool: one thread per activity slot,
    # local and not.
    with ThreadPoolExecutor(max_workers=2 * settings.worker_activities) as executor:
        worker = Worker(
            client,
            task_queue=task_queue or settings.task_queue,
            workflows=WORKFLOWS,
            workflow_runner=workflow_runner(),
            activities=[
                records.register_cycle,
                records.record_action,
                records.record_stage,
                records.record_proposals,
                records.record_outcome,
                records.record_confirmations,
                records.record_signature,
                records.void_signatures,
                records.record_attendance,
                records.record_reply,
                records.change_session,
                planning.plan_cycle,
                planning.load_province_plan,
                messages.send_messages,
                messages.send_mailings,
                documents.render_agreement,
                documents.render_signed_agreement,
                simulation.act_as_participant,
                simulation.record_simulated_attendance,
            ],
            activity_executor=executor,
            max_concurrent_activities=settings.worker_activities,
            max_concurrent_local_activities=settings.worker_activities,
            max_concurrent_workflow_tasks=settings.worker_workflow_tasks,
            max_cached_workflows=settings.worker_cache,
            graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
        )
        try:
            async with worker:
                yield worker
        finally:
            await pool.close()
            if pdf_pool is not None:
                pdf_pool.shutdown(wait=True, cancel_futures=True)
            engine.dispose()


async def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    try:
        require_current(connect(settings.database_url))
        if settings.token_secret is None:
            raise TokenSecretMissing("RAKORTEK_TOKEN_SECRET is not set (see .env.example)")
    except (SchemaError, TokenSecretMissing) as exc:
        logging.error("%s", exc)
        raise SystemExit(2) from None
    client = await connect_client(settings)
    stop = asyncio.Event()
    # docker stop and systemd send SIGTERM: finish the activities in hand, then leave.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with rakortek_worker(client, settings):
        logging.info(
            "worker listening on task queue %r at %s", settings.task_queue, settings.temporal_address
        )
        await stop.wait()
        logging.info("SIGTERM: finishing the activities in hand, then stopping")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
