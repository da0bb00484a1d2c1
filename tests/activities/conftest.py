from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.mail import registered_cycle


@pytest.fixture
def cycle_db(tmp_path: Path, database_url: str):  # type: ignore[no-untyped-def]
    return registered_cycle(tmp_path, database_url)
