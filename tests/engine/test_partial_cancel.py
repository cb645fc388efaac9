"""A line partly shipped whose waiting units are cancelled (by the customer on their page, or at
an FTC deadline): the customer gets the cancellation mail for the units cancelled, saying the
others of that item were shipped (issue 14)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from connector.engine import EngineState, decide
from connector.model import BackorderEventKind, Notification, NotificationKind
from connector.notify.render import Renderer
from connector.notify.samples import sample_shop
from tests.engine.builders import NOW, apply_plan, at, line, order, po, product, state, variant
from tests.engine.test_scenarios import DEFAULT, SOFAS


def _line(current: EngineState, **changes: int) -> EngineState:
    [anna] = current.orders
    [item] = anna.lines
    return replace(current, orders=(replace(anna, lines=(replace(item, **changes),)),))


def _three_sofas_one_in_stock() -> EngineState:
    """Anna ordered 3 sofas with 1 on the shelf: 1 ships now, 2 wait for the purchase order."""
    current = state(
        products=(product("P1", title="Oak sofa"),),
        variants=(variant("SOFA-OAK", -2),),
        orders=(order("ANNA", at("2026-11-01"), line("A1", "SOFA-OAK", 3)),),
        purchase_orders=(po("PO1", "SOFA-OAK", 5, None),),
    )
    plan = decide(current, [SOFAS], DEFAULT, NOW)
    [entry] = plan.queue
    assert entry.waiting == 2
    current = apply_plan(current, plan)
    # The shop ships the one in stock.
    current = _line(current, fulfilled=1)
    return apply_plan(current, decide(current, [SOFAS], DEFAULT, NOW))


def _cancellation(current: EngineState) -> Notification:
    plan = decide(current, [SOFAS], DEFAULT, NOW)
    assert [e.kind for e in plan.events if e.line_id == "A1"] == [BackorderEventKind.CANCELLED]
    [mail] = [n for n in plan.notifications if n.kind is NotificationKind.CANCELLATION]
    return mail


@pytest.mark.parametrize(
    ("locale", "cancelled", "shipped"),
    [
        (
            "en",
            "2 x Title SOFA-OAK",
            "Title SOFA-OAK: 2 cancelled; the other 1 was already shipped",
        ),
        ("sv", "2 x Title SOFA-OAK", "Title SOFA-OAK: 2 st avbeställda, 1 st har redan skickats"),
    ],
)
def test_the_waiting_units_of_a_partly_shipped_line_are_cancelled_and_mailed(
    locale: str, cancelled: str, shipped: str
) -> None:
    current = _three_sofas_one_in_stock()
    assert current.previous_queue[0].waiting == 2
    # The customer cancels the two waiting sofas: the shop records 2 units cancelled.
    mail = _cancellation(_line(current, cancelled=2))
    shop = sample_shop(locale)
    rendered = Renderer().render(replace(mail, locale=locale), shop)
    assert cancelled in rendered.text
    assert shipped in rendered.text and shipped in rendered.html


def test_a_partly_shipped_line_whose_next_units_ship_is_no_cancellation() -> None:
    current = _three_sofas_one_in_stock()
    # The purchase order came in and the shop shipped the other two: shipped, nothing to tell.
    current = replace(current, variants=(replace(current.variants[0], available=0),))
    plan = decide(_line(current, fulfilled=3), [SOFAS], DEFAULT, NOW)
    assert [e.kind for e in plan.events if e.line_id == "A1"] == [BackorderEventKind.SHIPPED]
    assert not [n for n in plan.notifications if n.kind is NotificationKind.CANCELLATION]
