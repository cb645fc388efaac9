"""The email templates shipped with the connector, one folder per locale.

Layout: ``templates/<locale>/<event>.subject.j2``, ``<event>.html.j2`` and ``<event>.txt.j2`` for each
:class:`connector.model.NotificationKind` value, plus ``<locale>/_base.html.j2`` / ``_base.txt.j2``
(the locale's layout, with its own footer wording) built on ``_shared/`` (the locale-neutral HTML
skeleton). Adding a locale is adding a folder; a store owner's own folder with the same layout
overrides any file of ours.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["EVENTS", "PARTS", "TEMPLATES_DIR", "locales_in"]

TEMPLATES_DIR = Path(__file__).resolve().parent
"""The folder holding the shipped templates."""

EVENTS = (
    "backorder_confirmation",
    "preorder_confirmation",
    "delay",
    "reminder",
    "ship_soon",
    "cancellation",
    "digest",
    "payment_due",
    "payment_captured",
    "delay_consent",
    "wait_confirmation",
    "balance_charged",
    "balance_failed",
    "swap_confirmation",
)
"""Every event a locale folder provides, named as ``NotificationKind`` values."""

PARTS = ("subject", "html", "txt")
"""The three files of one event: subject line, HTML part, plain-text part."""


def locales_in(folder: Path) -> list[str]:
    """The locale folders directly under ``folder`` (names not starting with ``_`` or ``.``)."""
    if not folder.is_dir():
        return []
    return sorted(
        entry.name
        for entry in folder.iterdir()
        if entry.is_dir() and not entry.name.startswith(("_", ".")) and entry.name != "__pycache__"
    )
