"""What every subcommand shares: printing, failing with a message, the cycle file, the database."""

from __future__ import annotations

import argparse
from typing import Any, NoReturn

from pydantic import BaseModel, ValidationError
from rich.console import Console
from sqlalchemy import Engine

from commands.status import latest_year
from models.cycle import Cycle, CycleFileError, load_cycle
from settings import load_settings
from store.database import connect
from store.schema import SchemaError, require_current

console = Console()
errors = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    errors.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise SystemExit(code)


def read_cycle(path: str) -> Cycle:
    try:
        return load_cycle(path)
    except CycleFileError as exc:
        fail(f"the cycle file cannot be used:\n{exc}")
        raise


def open_database(url: str) -> Engine:
    """The database at ``url``, at the schema this code needs, or a message saying what to run."""
    engine = connect(url)
    try:
        require_current(engine)
    except SchemaError as exc:
        fail(str(exc))
    return engine


def engine_and_year(args: argparse.Namespace) -> tuple[Any, int]:
    engine = open_database(load_settings().database_url)
    year = args.year or latest_year(engine)
    if year is None:
        fail("no cycle in the database yet: start one with `starter.py start CYCLE_FILE`")
    return engine, year


def parse_model(model: type[BaseModel], **fields: Any) -> Any:
    """The model from the command line's values, or a message naming each bad field."""
    try:
        return model.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False)
        )
        fail(f"invalid input: {problems}")
