"""Settings from the environment, with defaults that work on one machine."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent
VAR_DIR = PROJECT_DIR / "var"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    temporal_address: str = Field("127.0.0.1:7233", validation_alias="TEMPORAL_ADDRESS")
    temporal_namespace: str = Field("default", validation_alias="TEMPORAL_NAMESPACE")
    task_queue: str = Field("rakortek", validation_alias="RAKORTEK_TASK_QUEUE")
    database_url: str = Field(
        f"sqlite:///{VAR_DIR / 'rakortek.db'}", validation_alias="RAKORTEK_DATABASE_URL"
    )
    smtp_host: str = Field("127.0.0.1", validation_alias="RAKORTEK_SMTP_HOST")
    smtp_port: int = Field(8025, validation_alias="RAKORTEK_SMTP_PORT")
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


def load_settings() -> Settings:
    return Settings()
