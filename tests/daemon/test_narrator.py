"""The demo tells a release and re-hold of one order as one move, named by SKU."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from connector.demo_narrator import _order_story
from connector.model import (
    Customer,
    Money,
    Order,
    OrderAction,
    OrderActionKind,
    OrderLine,
    OrderStatus,
)

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _order(*lines: tuple[str, str, int]) -> Order:
    return Order(
        shop="demo",
        platform_id="o1",
        number="#1001",
        created_at=T0,
        updated_at=T0,
        status=OrderStatus.OPEN,
        currency="EUR",
        customer=Customer(shop="demo", email="ana@example.com"),
        lines=tuple(
            OrderLine(line_id, "o1", None, sku, sku.title(), qty, Money(Decimal("10"), "EUR"))
            for line_id, sku, qty in lines
        ),
    )


def _action(kind: OrderActionKind, *lines: tuple[str, int]) -> OrderAction:
    return OrderAction(shop="demo", kind=kind, order_id="o1", lines=lines, handle="h")


def test_a_release_and_new_hold_read_as_what_ships_and_what_still_waits() -> None:
    order = _order(("L1", "CHAI-1", 2), ("L2", "TABL-5", 3))
    release = _action(OrderActionKind.RELEASE_HOLD)
    hold = _action(OrderActionKind.HOLD_LINES, ("L2", 3))
    [(text, actions)] = _order_story(order, [release, hold], ("L1", "L2"))
    assert text == "2 x CHAI-1 ships now; hold moved to the 3 x TABL-5 still waiting"
    assert actions == [release, hold]


def test_part_of_a_line_arriving_ships_that_part() -> None:
    order = _order(("L2", "TABL-5", 3))
    release = _action(OrderActionKind.RELEASE_HOLD)
    hold = _action(OrderActionKind.HOLD_LINES, ("L2", 1))
    [(text, _)] = _order_story(order, [release, hold], ("L2",))
    assert text == "2 x TABL-5 ships now; hold moved to the TABL-5 still waiting"


def test_a_hold_alone_names_its_skus_and_a_release_alone_what_ships() -> None:
    order = _order(("L1", "CHAI-1", 1), ("L2", "TABL-5", 3))
    [(held, _)] = _order_story(order, [_action(OrderActionKind.HOLD_LINES, ("L2", 3))], None)
    assert held == "hold 3 x TABL-5 (backordered); the rest ships now"
    [(released, _)] = _order_story(order, [_action(OrderActionKind.RELEASE_HOLD)], ("L2",))
    assert released == "3 x TABL-5 ships now; hold released"


def test_the_queue_keeps_its_why_here_column_at_80_columns(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """At 80 columns the table dropped 'why here', the part a newcomer wants."""
    from rich.console import Console

    from connector.db import open_database
    from connector.demo_narrator import Narrator
    from connector.model import BackorderEntry

    db = open_database(f"sqlite:///{tmp_path / 'state.db'}")
    db.replace_queue(
        "demo",
        [
            BackorderEntry(
                "demo", "CHAI-000002-1", "o1", "l1", "noah.lind.10@example.com", T0, 3,
                position=1, reason="ordered 2026-11-01 09:37; first in line; covered by NH-80 "
                "due 2026-11-12",
            )
        ],
    )  # fmt: skip
    for width in (80, 160):
        console = Console(width=width, record=True)
        Narrator(console, db, tmp_path).queue("demo")
        text = console.export_text()
        assert "why here" in text, text
        assert "covered by NH-80" in " ".join(text.split()), text
        assert max(len(line) for line in text.splitlines()) <= width
    db.close()
