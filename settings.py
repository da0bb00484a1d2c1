"""Settings from the environment (or a .env file), with defaults that work on one machine.

Every variable is listed, with its default and meaning, in .env.example.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent
VAR_DIR = PROJECT_DIR / "var"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    # Temporal. The TLS and API-key names are the Temporal CLI's own.
    temporal_address: str = Field("127.0.0.1:7233", validation_alias="TEMPORAL_ADDRESS")
    temporal_namespace: str = Field("default", validation_alias="TEMPORAL_NAMESPACE")
    temporal_ui: str | None = Field(None, validation_alias="RAKORTEK_TEMPORAL_UI")
    """Temporal's Web UI (http://127.0.0.1:8233 beside a dev server): the console links each
    province's workflow there."""
    temporal_tls: bool = Field(False, validation_alias="TEMPORAL_TLS")
    """TLS to the frontend; implied by any of the TLS files or an API key."""
    temporal_tls_ca: Path | None = Field(None, validation_alias="TEMPORAL_TLS_CA")
    temporal_tls_cert: Path | None = Field(None, validation_alias="TEMPORAL_TLS_CERT")
    temporal_tls_key: Path | None = Field(None, validation_alias="TEMPORAL_TLS_KEY")
    temporal_tls_server_name: str | None = Field(None, validation_alias="TEMPORAL_TLS_SERVER_NAME")
    temporal_api_key: SecretStr | None = Field(None, validation_alias="TEMPORAL_API_KEY")
    task_queue: str = Field("rakortek", validation_alias="RAKORTEK_TASK_QUEUE")
    worker_activities: int = Field(64, ge=1, validation_alias="RAKORTEK_WORKER_ACTIVITIES")
    """Activities one worker runs at once (mail, documents, plans, simulated people), and as many
    local ones (database writes)."""
    worker_workflow_tasks: int = Field(100, ge=2, validation_alias="RAKORTEK_WORKER_WORKFLOW_TASKS")
    """Workflow tasks one worker processes at once."""
    worker_cache: int = Field(1000, ge=0, validation_alias="RAKORTEK_WORKER_CACHE")
    """Workflows a worker keeps in memory between tasks (sticky cache); 0 replays each task."""
    worker_pdf_processes: int = Field(2, ge=0, validation_alias="RAKORTEK_WORKER_PDF_PROCESSES")
    """Processes laying out the agreements' PDFs beside a worker; 0 lays them out in the worker."""
    deployment_name: str = Field("rakortek", validation_alias="RAKORTEK_DEPLOYMENT_NAME")
    """The Worker Deployment that versioned workers belong to."""
    build_id: str | None = Field(None, validation_alias="RAKORTEK_BUILD_ID")
    """This worker's version within the deployment. Set, the worker is versioned and every
    workflow stays on the version it started on (PINNED); unset, the worker is unversioned."""
    token_secret: SecretStr | None = Field(None, validation_alias="RAKORTEK_TOKEN_SECRET")
    """Signs and checks the action tokens in participants' mail; workers and starter share it."""
    payload_key: SecretStr | None = Field(None, validation_alias="RAKORTEK_PAYLOAD_KEY")
    """AES-256 key (base64) encrypting workflow payloads and failure messages; unset, they
    travel as JSON, which only a rehearsal allows (``deployment``)."""
    deployment: Literal["production", "rehearsal"] = Field(
        "production", validation_alias="RAKORTEK_DEPLOYMENT"
    )
    """production: the worker and ``start`` refuse to run without RAKORTEK_PAYLOAD_KEY, and
    compose refuses its default passwords. rehearsal: a machine holding made-up people."""

    database_url: str = Field(
        f"sqlite:///{VAR_DIR / 'rakortek.db'}", validation_alias="RAKORTEK_DATABASE_URL"
    )

    smtp_host: str = Field("127.0.0.1", validation_alias="RAKORTEK_SMTP_HOST")
    smtp_port: int = Field(8025, validation_alias="RAKORTEK_SMTP_PORT")
    smtp_rate: float | None = Field(None, gt=0, validation_alias="RAKORTEK_SMTP_RATE")
    """Messages a second each worker process sends at most (the relay's limit over the workers)."""
    smtp_connections: int = Field(4, ge=1, le=100, validation_alias="RAKORTEK_SMTP_CONNECTIONS")
    smtp_username: str | None = Field(None, validation_alias="RAKORTEK_SMTP_USERNAME")
    smtp_password: str | None = Field(None, validation_alias="RAKORTEK_SMTP_PASSWORD")
    smtp_security: str = Field("none", validation_alias="RAKORTEK_SMTP_SECURITY")
    """none, starttls or tls (implicit TLS)."""
    smtp_ca_file: str | None = Field(None, validation_alias="RAKORTEK_SMTP_CA_FILE")
    """A certificate authority to trust for the relay, beside the system's."""
    mail_from: str | None = Field(None, validation_alias="RAKORTEK_MAIL_FROM")
    """Overrides the cycle file's sender address."""

    output_dir: Path = Field(VAR_DIR / "output", validation_alias="RAKORTEK_OUTPUT_DIR")
    """Where agreements and exports are written."""
    signing_key: Path | None = Field(None, validation_alias="RAKORTEK_SIGNING_KEY")
    signing_cert: Path | None = Field(None, validation_alias="RAKORTEK_SIGNING_CERT")
    signing_chain: Path | None = Field(None, validation_alias="RAKORTEK_SIGNING_CHAIN")
    """The deployment's document-signing key and certificate (PEM), and its CA chain: each
    filed agreement's PDF carries a PAdES signature per party. Unset: the PDF is filed unsigned."""

    board_host: str = Field("127.0.0.1", validation_alias="RAKORTEK_BOARD_HOST")
    board_port: int = Field(8000, validation_alias="RAKORTEK_BOARD_PORT")
    admin_token: SecretStr | None = Field(None, validation_alias="RAKORTEK_ADMIN_TOKEN")
    """Required by the status board whenever it listens beyond loopback."""
    portal_url: str = Field("http://127.0.0.1:8000", validation_alias="RAKORTEK_PORTAL_URL")
    """The portal's address as participants reach it: every letter's personal link starts so.
    https makes the portal's cookies Secure."""
    allowed_hosts: str | None = Field(None, validation_alias="RAKORTEK_ALLOWED_HOSTS")
    """Host names the web application answers to beside loopback and the portal's own host
    (comma-separated): any other Host header is refused (DNS rebinding)."""
    trusted_proxy: str | None = Field(None, validation_alias="RAKORTEK_TRUSTED_PROXY")
    """Addresses of the reverse proxy in front of the portal (comma-separated): its
    X-Forwarded-For and X-Forwarded-Proto are believed, and the portal may listen beyond
    loopback without https of its own."""
    secretariat: str | None = Field(None, validation_alias="RAKORTEK_SECRETARIAT")
    """The address a refused link's page tells people to write to (the cycle's organizer mailbox)."""
    simulate_through_portal: float = Field(
        0.0, ge=0, le=1, validation_alias="RAKORTEK_SIMULATE_THROUGH_PORTAL"
    )
    """In a rehearsal, the share of provinces whose simulated people act through the portal's
    forms (at RAKORTEK_PORTAL_URL) rather than through updates; the rehearsal sets a quarter."""
    reply_authserv_ids: str | None = Field(None, validation_alias="RAKORTEK_REPLY_AUTHSERV_ID")
    """The authserv-id(s) (comma-separated) of the organizer's mail server, whose
    Authentication-Results header (RFC 8601) says a reply's DKIM or DMARC passed: ``rsvp``
    records only replies it vouches for. The server must remove such headers that arrive from
    outside (RFC 8601 section 5)."""
    portal_session_hours: float = Field(12, gt=0, validation_alias="RAKORTEK_PORTAL_SESSION_HOURS")
    """How long a portal session lasts after its link is opened."""


def load_settings() -> Settings:
    return Settings()


class Unsafe(RuntimeError):
    """A production deployment configured in a way only a rehearsal may be."""


WELL_KNOWN_PASSWORDS = frozenset({"rakortek", "temporal", "postgres", "password", "secret", "changeme"})
"""Defaults of images and examples: the first passwords anyone tries."""


def require_production_safe(settings: Settings) -> None:
    """Refuses a production deployment whose histories would hold people's data in clear, or
    whose database opens with a well-known password."""
    if settings.deployment != "production":
        return
    if settings.payload_key is None:
        raise Unsafe(
            "RAKORTEK_PAYLOAD_KEY is not set: Temporal would hold participants' names, addresses "
            "and items in clear. Set it (see .env.example), or RAKORTEK_DEPLOYMENT=rehearsal on a "
            "machine holding made-up people only"
        )
    from sqlalchemy.engine import make_url

    password = make_url(settings.database_url).password
    if password is not None and str(password).lower() in WELL_KNOWN_PASSWORDS:
        raise Unsafe(
            "RAKORTEK_DATABASE_URL uses a well-known password: set RAKORTEK_DB_PASSWORD (compose) or "
            "the URL's password to a secret of its own"
        )


def authserv_ids(settings: Settings) -> tuple[str, ...]:
    return tuple(i.strip().lower() for i in (settings.reply_authserv_ids or "").split(",") if i.strip())
