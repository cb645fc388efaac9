"""The one Jinja environment factory for customer emails.

Every template the connector renders goes through :func:`make_environment`:

* ``StrictUndefined``: a missing variable or a typo is an error, never a blank in a customer's mail;
* autoescape for ``*.html.j2`` only (subjects and plain text are not HTML);
* a store owner's own folder (``EmailSettings.templates_dir``) is searched before ours, file by file,
  and as soon as such a folder is in play everything renders in Jinja's ``SandboxedEnvironment``:
  an owner's template must not reach Python internals through attribute access.

Filters available to every template: ``date`` (``{{ line.eta | date }}``, long style, or
``| date("short")``) and ``money`` (``{{ line.price | money }}``), both in the message's locale (the
``locale`` variable of the render context).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    pass_context,
)
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

from connector.model import Money
from connector.notify.formatting import format_date, format_money
from templates import TEMPLATES_DIR

__all__ = ["make_environment", "template_name"]


def template_name(locale_folder: str, event: str, part: str) -> str:
    """The loader name of one part: ``sv/delay.html.j2``; ``part`` is subject, html or txt."""
    return f"{locale_folder}/{event}.{part}.j2"


def _autoescape(name: str | None) -> bool:
    return bool(name) and str(name).endswith(".html.j2")


@pass_context
def _date_filter(context: Context, value: date | datetime, style: str = "long") -> str:
    return format_date(value, str(context["locale"]), style)


@pass_context
def _money_filter(context: Context, value: Money) -> str:
    return format_money(value, str(context["locale"]))


def make_environment(templates_dir: str | Path | None = None) -> Environment:
    """The Jinja environment for emails; ``templates_dir`` is the store owner's override folder.

    With an override folder the environment is sandboxed and looks there first, then in ours, so an
    owner can replace one file (``sv/delay.subject.j2``) and keep the rest.
    """
    options: dict[str, Any] = {
        "undefined": StrictUndefined,
        "autoescape": _autoescape,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "keep_trailing_newline": True,
        "auto_reload": False,
        "cache_size": 1000,
    }
    ours = FileSystemLoader(str(TEMPLATES_DIR))
    environment: Environment
    if templates_dir is not None:
        owner = FileSystemLoader(str(Path(templates_dir).expanduser()))
        environment = SandboxedEnvironment(loader=ChoiceLoader([owner, ours]), **options)
    else:
        environment = Environment(loader=ours, **options)
    environment.filters["date"] = _date_filter
    environment.filters["money"] = _money_filter
    return environment
