"""Every setting is documented in .env.example, with the default the code really uses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from temporalio.service import TLSConfig

from settings import PROJECT_DIR, Settings
from temporal_client import tls_config

EXAMPLE = PROJECT_DIR / ".env.example"


def documented() -> dict[str, tuple[str, bool]]:
    """Variable name → (value shown, whether the line is active rather than commented)."""
    found = {}
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"(# )?([A-Z][A-Z0-9_]+)=(.*)", line)
        if match:
            found[match[2]] = (match[3], match[1] is None)
    return found


def test_env_example_lists_every_variable_and_only_those() -> None:
    names = {field.validation_alias for field in Settings.model_fields.values()}
    assert set(documented()) == names


def test_active_lines_of_env_example_show_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in documented():
        monkeypatch.delenv(name, raising=False)
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    from_example = Settings(_env_file=EXAMPLE)  # type: ignore[call-arg]
    assert from_example == defaults


def test_tls_follows_the_certificates_and_api_key(tmp_path: Path) -> None:
    assert tls_config(Settings.model_validate({})) is False
    assert tls_config(Settings.model_validate({"TEMPORAL_API_KEY": "k"})) is True
    cert, key = tmp_path / "client.pem", tmp_path / "client.key"
    cert.write_bytes(b"CERT")
    key.write_bytes(b"KEY")
    mtls = tls_config(
        Settings.model_validate(
            {"TEMPORAL_TLS_CERT": cert, "TEMPORAL_TLS_KEY": key, "TEMPORAL_TLS_SERVER_NAME": "t.internal"}
        )
    )
    assert mtls == TLSConfig(client_cert=b"CERT", client_private_key=b"KEY", domain="t.internal")
    with pytest.raises(ValueError, match="go together"):
        tls_config(Settings.model_validate({"TEMPORAL_TLS_CERT": cert}))


def test_production_refuses_clear_payloads_and_well_known_passwords() -> None:
    from settings import Unsafe, require_production_safe

    key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
    with pytest.raises(Unsafe, match="RAKORTEK_PAYLOAD_KEY is not set"):
        require_production_safe(Settings.model_validate({}))
    with pytest.raises(Unsafe, match="well-known password"):
        require_production_safe(
            Settings.model_validate(
                {
                    "RAKORTEK_PAYLOAD_KEY": key,
                    "RAKORTEK_DATABASE_URL": "postgresql+psycopg://rakortek:rakortek@db:5432/rakortek",
                }
            )
        )
    require_production_safe(
        Settings.model_validate(
            {
                "RAKORTEK_PAYLOAD_KEY": key,
                "RAKORTEK_DATABASE_URL": "postgresql+psycopg://r:Xq7-long@db/rakortek",
            }
        )
    )
    require_production_safe(Settings.model_validate({"RAKORTEK_DEPLOYMENT": "rehearsal"}))
