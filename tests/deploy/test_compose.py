"""The compose deployment validates against the Compose specification and hangs together."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from settings import PROJECT_DIR
from workflows.search_attributes import SEARCH_ATTRIBUTES

COMPOSE = PROJECT_DIR / "docker-compose.yml"


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return YAML(typ="safe").load(COMPOSE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_compose_file_passes_the_compose_specification() -> None:
    result = validate(COMPOSE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_catches_a_broken_file(tmp_path: Path) -> None:
    broken = tmp_path / "docker-compose.yml"
    text = COMPOSE.read_text(encoding="utf-8").replace("    deploy:\n      replicas: 2", "    replicas: 2")
    broken.write_text(text, encoding="utf-8")
    result = validate(broken)
    assert result.returncode != 0 and "replicas" in result.stdout


def test_services_start_in_order_and_report_health(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"temporal", "temporal-ui", "temporal-db", "rakortek-db", "mailpit", "worker", "web"} <= set(
        services
    )
    for name, service in services.items():
        for needed in service.get("depends_on", {}):
            assert needed in services, f"{name} depends on unknown {needed}"
    assert services["worker"]["deploy"]["replicas"] == 2
    assert services["worker"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for long_running in ("temporal", "temporal-db", "rakortek-db", "mailpit", "web"):
        assert "healthcheck" in services[long_running], long_running
    assert {"RAKORTEK_ADMIN_TOKEN", "RAKORTEK_TRUSTED_PROXY"} <= set(services["web"]["environment"])
    assert services["worker"]["build"] == "." and (PROJECT_DIR / "Dockerfile").exists()


def test_mounted_scripts_exist_and_register_the_search_attributes(compose: dict[str, Any]) -> None:
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (PROJECT_DIR / source).exists(), source
    script = (PROJECT_DIR / "deploy" / "temporal" / "setup-namespace.sh").read_text(encoding="utf-8")
    registered = dict(re.findall(r"(Rakortek\w+)=(\w+)", script))
    assert registered == {key.name: kind for key, kind in SEARCH_ATTRIBUTES}


def test_published_ports_listen_on_this_machine_only_by_default(compose: dict[str, Any]) -> None:
    published = [port for service in compose["services"].values() for port in service.get("ports", [])]
    assert published, "the deployment publishes its UI, mail view and portal"
    for port in published:
        assert str(port).startswith("${RAKORTEK_PUBLISH_IP:-127.0.0.1}:"), port


def test_no_password_has_a_default() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    passwords = re.findall(r"\$\{(\w*PASSWORD\w*)(:?[-?])", text)
    assert passwords and all(kind == ":?" for _, kind in passwords), passwords


def test_the_image_installs_exactly_the_locked_dependencies() -> None:
    dockerfile = (PROJECT_DIR / "Dockerfile").read_text(encoding="utf-8")
    assert "pip install --no-cache-dir --require-hashes -r requirements.lock" in dockerfile
    lock = (PROJECT_DIR / "requirements.lock").read_text(encoding="utf-8")
    pinned = dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==(\S+) \\", lock, flags=re.M))
    import tomllib

    declared = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "dependencies"
    ]
    for requirement in declared:
        name = re.split(r"[\[<>=! ;]", requirement, maxsplit=1)[0].lower().replace("_", "-")
        assert name in pinned, f"{name} is not in requirements.lock: run scripts/lock.sh"
    # Every pinned package carries its hashes.
    assert lock.count("==") == len(pinned) and lock.count("--hash=sha256:") >= len(pinned)
