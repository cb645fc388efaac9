"""The owner's digest carries one reorder line: the suggestions due within a week."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from connector.daemon_digest import build_digest
from connector.engine.reorder import (
    ReorderInput,
    ReorderRules,
    ReorderSuggestion,
    suggest_reorders,
)
from connector.model import BackorderEvent, BackorderEventKind
from connector.notify.render import Renderer
from connector.notify.samples import sample_shop

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
TODAY = date(2026, 12, 4)
EVENTS = [BackorderEvent("nordic-living", NOW, BackorderEventKind.DETECTED, "SOFA-1", 2)]


def _suggestions() -> list[ReorderSuggestion]:
    items = [
        ReorderInput("SOFA-1", on_hand=-2, waiting=2),  # due today
        ReorderInput("LAMP-1", on_hand=30, sold=30),  # order in 16 days: not this week
    ]
    found = suggest_reorders(items, ReorderRules(velocity_days=30), TODAY)
    assert [s.key for s in found] == ["SOFA-1", "LAMP-1"]
    assert found[1].order_by > TODAY + timedelta(days=7)
    return found


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        ("en", "To order within a week: 2 units of 1 SKU, the first by 2026-12-04"),
        ("sv", "Att beställa inom en vecka: 2 st av 1 artikel, den första senast 2026-12-04"),
    ],
)
def test_the_digest_says_what_to_order_this_week(locale: str, words: str) -> None:
    shop = sample_shop(locale)
    digest = build_digest(shop, "owner@example.com", EVENTS, NOW, reorder=_suggestions())
    assert digest is not None
    mail = Renderer().render(digest, shop)
    assert words in mail.text
    assert words in mail.html


def test_no_line_when_nothing_is_due_and_no_digest_for_suggestions_alone() -> None:
    shop = sample_shop("en")
    digest = build_digest(shop, "owner@example.com", EVENTS, NOW, reorder=_suggestions()[1:])
    assert digest is not None
    assert "To order" not in Renderer().render(digest, shop).text
    assert build_digest(shop, "owner@example.com", [], NOW, reorder=_suggestions()) is None
