"""The index knows whether the orders came oldest first, so a plan sorts their lines only when needed."""

from __future__ import annotations

from connector.engine.index import StateIndex, is_in_time_order
from connector.engine.policies import ManagedTags
from connector.model import Order
from connector.settings import PolicyMode, PolicySettings
from tests.engine.builders import at, line, order

DEFAULT = PolicySettings(name="default", mode=PolicyMode.STOP)


def _index(orders: list[Order]) -> StateIndex:
    ix = StateIndex("shop", [], DEFAULT, ManagedTags((DEFAULT,)))
    ix.index_orders(orders)
    return ix


def test_orders_read_oldest_first_need_no_sorting() -> None:
    first = order("1", at("2026-01-01"), line("L1", "A", 1, "1"))
    second = order("2", at("2026-01-02"), line("L2", "A", 1, "2"))
    assert _index([first, second]).unsorted == set()
    assert _index([second, first]).unsorted == {"A"}


def test_an_order_read_twice_is_judged_where_it_was_first_read() -> None:
    first = order("1", at("2026-01-01"), line("L1", "A", 1, "1"))
    second = order("2", at("2026-01-02"), line("L2", "B", 1, "2"))
    # The second copy of order 1 comes after order 2 in the input, but the index keeps order 1
    # in its first place: still oldest first.
    assert is_in_time_order([first, second])
    assert _index([first, second, first]).unsorted == set()
    assert not is_in_time_order([second, first])
