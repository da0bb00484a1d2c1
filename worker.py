"""Runs the rakortek worker: every workflow and activity, on one task queue."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.common import VersioningBehavior, WorkerDeploymentVersion
from temporalio.worker import Worker, WorkerDeploymentConfig
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.documents import DocumentActivities, pdf_processes
from activities.messages import MessageActivities
from activities.planning import PlanningActivities
from activities.records import RecordActivities
from activities.refused_writes import RefusedWrites
from activities.simulation import SimulationActivities
from commands.namespace import SearchAttributesMissing, require_search_attributes
from mail.transport import SmtpConfig, SmtpPool
from security import tokens
from security.signing import AgreementSigner, SigningFiles
from security.tokens import TokenIssuer
from settings import Settings, Unsafe, load_settings, require_production_safe
from store.database import connect
from store.schema import SchemaError, require_current
from temporal_client import connect_client
from workflows.cycle import CycleWorkflow
from workflows.province import ProvinceWorkflow
from workflows.update_guard import UpdateGuard

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
    "rules",
    "store",
    "holidays",
    "babel",
    "email_validator",
    "idna",
    # The token verifier holds the worker's secret: one instance for all workflow runs.
    "security",
    "jwt",
)


def activities_of(*holders: object) -> list[Callable[..., Any]]:
    """Every activity each holder defines: one added to a class is registered with it."""
    return [
        getattr(holder, name)
        for holder in holders
        for name in dir(type(holder))
        # What @activity.defn leaves on a function.
        if hasattr(getattr(type(holder), name), "__temporal_activity_definition")
    ]


def workflow_runner() -> SandboxedWorkflowRunner:
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH)
    )


class TokenSecretMissing(RuntimeError):
    """A worker cannot check who acts without the token secret."""


def agreement_signer(settings: Settings) -> AgreementSigner | None:
    """The deployment's document signer, when its key and certificate are configured."""
    if settings.signing_key is None or settings.signing_cert is None:
        return None
    return AgreementSigner(SigningFiles(settings.signing_key, settings.signing_cert, settings.signing_chain))


def deployment_config(settings: Settings) -> WorkerDeploymentConfig | None:
    """Versioned workers, when the deployment gives a build id: a cycle runs for six weeks, and
    each one (with its provinces) finishes on the version of the code it started on."""
    if not settings.build_id:
        return None
    return WorkerDeploymentConfig(
        version=WorkerDeploymentVersion(deployment_name=settings.deployment_name, build_id=settings.build_id),
        use_worker_versioning=True,
        default_versioning_behavior=VersioningBehavior.PINNED,
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
            rate=settings.smtp_rate,
            connections=settings.smtp_connections,
        )
    )
    records = RecordActivities(engine)
    planning = PlanningActivities(engine)
    messages = MessageActivities(engine, pool, settings.mail_from, issuer, settings.portal_url)
    pdf_pool = pdf_processes(settings.worker_pdf_processes)
    documents = DocumentActivities(engine, settings.output_dir, pdf_pool, agreement_signer(settings))
    simulation = SimulationActivities(
        client, engine, issuer, settings.portal_url, settings.simulate_through_portal
    )
    # Database activities are synchronous and run in this pool: one thread per activity slot,
    # local and not.
    with ThreadPoolExecutor(max_workers=2 * settings.worker_activities) as executor:
        worker = Worker(
            client,
            task_queue=task_queue or settings.task_queue,
            workflows=WORKFLOWS,
            workflow_runner=workflow_runner(),
            activities=activities_of(records, planning, messages, documents, simulation),
            activity_executor=executor,
            max_concurrent_activities=settings.worker_activities,
            max_concurrent_local_activities=settings.worker_activities,
            max_concurrent_workflow_tasks=settings.worker_workflow_tasks,
            max_cached_workflows=settings.worker_cache,
            graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
            deployment_config=deployment_config(settings),
            interceptors=[UpdateGuard(), RefusedWrites()],
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
    # httpx logs every address it asks at INFO, and a portal link's carries its reader's token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = load_settings()
    try:
        require_current(connect(settings.database_url))
        if settings.token_secret is None:
            raise TokenSecretMissing("RAKORTEK_TOKEN_SECRET is not set (see .env.example)")
        require_production_safe(settings)
    except (SchemaError, TokenSecretMissing, Unsafe) as exc:
        logging.error("%s", exc)
        raise SystemExit(2) from None
    client = await connect_client(settings)
    try:
        added = await require_search_attributes(client, settings)
    except SearchAttributesMissing as exc:
        logging.error("%s", exc)
        raise SystemExit(2) from None
    if added:
        logging.info("registered search attribute(s) %s on the local dev server", ", ".join(added))
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
