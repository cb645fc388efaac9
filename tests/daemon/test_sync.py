"""Pull: each page commits with its cursor; a failure mid-way loses nothing and repeats nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from connector.db import Database
from connector.errors import RetryableError
from connector.model import Money, Product, SkippedPayload, Variant
from connector.platform import ApiUsage, ChangePage, Resource, ResyncTarget
from connector.sync import pull, resync

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def product(n: int) -> Product:
    return Product(shop="acme", platform_id=f"p{n}", title=f"Oak Sofa {n}", updated_at=T0)


def variant(n: int, available: int = 0) -> Variant:
    return Variant(
        shop="acme",
        platform_id=f"v{n}",
        product_id=f"p{n}",
        sku=f"SOFA-{n}",
        title="Default",
        price=Money(Decimal("999.00"), "EUR"),
        updated_at=T0,
        available=available,
    )


class PagedAdapter:
    """Serves fixed pages of products; can fail after a given page (a test double)."""

    platform = "shopify"
    shop = "acme"

    def __init__(self, pages: int, fail_after: int | None = None) -> None:
        self.pages = pages
        self.fail_after = fail_after
        self.cursors_seen: list[str | None] = []
        self.usage = ApiUsage()

    def read_changes(self, resource: Resource, cursor: str | None) -> Iterator[ChangePage]:
        self.cursors_seen.append(cursor)
        if resource is not Resource.PRODUCTS:
            return
        start = int(cursor or 0)
        for n in range(start + 1, self.pages + 1):
            if self.fail_after is not None and n > self.fail_after:
                raise RetryableError("HTTP 503 from the shop")
            skipped = (
                (
                    SkippedPayload(
                        "acme", "products", f"p{n}x", "price is not a number", '{"price":"?"}'
                    ),
                )
                if n == 2
                else ()
            )
            yield ChangePage(
                resource=resource,
                products=(product(n),),
                variants=(variant(n, available=n),),
                skipped=skipped,
                cursor=str(n),
            )

    def fetch(self, target: ResyncTarget) -> ChangePage:
        return ChangePage(
            resource=Resource.PRODUCTS,
            variants=tuple(variant(int(pid[1:]), available=99) for pid in target.product_ids),
            cursor="999",
        )


def test_a_failed_pull_keeps_committed_pages_and_resumes_after_them(database: Database) -> None:
    adapter = PagedAdapter(pages=5, fail_after=3)
    with pytest.raises(RetryableError):
        pull(database, adapter, "acme")  # type: ignore[arg-type]
    assert database.get_cursor("acme", "products") == "3"
    assert [p.platform_id for p in database.products("acme")] == ["p1", "p2", "p3"]

    adapter.fail_after = None
    result = pull(database, adapter, "acme")  # type: ignore[arg-type]
    # Orders first (none here; see pull's docstring), then the catalog resumed at 3.
    assert adapter.cursors_seen[-2:] == [None, "3"]
    assert result.products == 2
    assert database.get_cursor("acme", "products") == "5"
    assert len(database.products("acme")) == 5


def test_skipped_payloads_are_recorded_with_their_reason(database: Database) -> None:
    pull(database, PagedAdapter(pages=3), "acme")  # type: ignore[arg-type]
    [skipped] = database.skipped("acme")
    assert skipped.reason == "price is not a number"
    assert skipped.payload == '{"price":"?"}'


def test_stop_request_leaves_the_cursor_after_the_last_page(database: Database) -> None:
    calls = iter(range(100))
    result = pull(
        database,
        PagedAdapter(pages=5),  # type: ignore[arg-type]
        "acme",
        should_stop=lambda: next(calls) >= 1,
    )
    assert result.stopped_early and result.pages == 2
    assert database.get_cursor("acme", "products") == "2"


def test_targeted_resync_updates_objects_but_never_moves_a_cursor(database: Database) -> None:
    adapter = PagedAdapter(pages=2)
    pull(database, adapter, "acme")  # type: ignore[arg-type]
    resync(database, adapter, "acme", ResyncTarget(product_ids=("p1",)))  # type: ignore[arg-type]
    assert database.get_cursor("acme", "products") == "2"
    assert database.variant_by_sku("acme", "SOFA-1").available == 99  # type: ignore[union-attr]
