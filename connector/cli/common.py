"""Helpers every CLI command module shares: the state database of one command, the shops it
works on, and JSON output of model values."""

from __future__ import annotations

import dataclasses
import enum
import json
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import click

from connector.errors import UsageError

if TYPE_CHECKING:
    from connector.cli.main import AppContext
    from connector.db import Database
    from connector.settings import Settings

__all__ = ["echo_json", "open_state", "pick_shops", "plain"]


def open_state(app: AppContext, settings: Settings | None = None) -> tuple[Settings, Database]:
    """The settings (loaded unless given) and the state database, closed when the command ends."""
    if settings is None:
        settings = app.settings()
    db = app.open_database(settings)
    # Closed when the command ends, however it ends (a long-lived caller must not leak pools).
    click.get_current_context().call_on_close(db.close)
    return settings, db


def pick_shops(settings: Settings, name: str | None, *, one: bool = False) -> list[str]:
    known = [shop.name for shop in settings.shops if shop.enabled]
    if name is not None:
        if name not in [shop.name for shop in settings.shops]:
            raise UsageError(f"no shop named {name!r} in the config (known: {', '.join(known)})")
        return [name]
    if one and len(known) != 1:
        raise UsageError(f"several shops in the config; pick one with --shop ({', '.join(known)})")
    return known


def plain(value: Any) -> Any:
    """JSON-ready copies of model values: dates as ISO text, money exact, enums by value."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, frozenset | set):
        return sorted(plain(item) for item in value)
    if isinstance(value, tuple | list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    return value


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))
