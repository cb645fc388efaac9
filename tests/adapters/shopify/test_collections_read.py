"""Reading Shopify collections into the state database: what a change costs, the webhooks, and
the stored lookup the core settles memberships with (SQLite, and PostgreSQL when it answers)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from connector.db import Database, open_database
from connector.platform import Resource
from connector.sandbox.seed import SeedSpec
from connector.sync import pull, resync
from tests.adapters.shopify.conftest import Rig, make_rig
from tests.adapters.shopify.test_auth_and_webhooks import _Hooks, hook_url  # noqa: F401

SPEC = SeedSpec(seed=5, products=40, customers=4, orders=10)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    url = (
        f"sqlite:///{tmp_path / 'state.db'}"
        if request.param == "sqlite"
        else str(request.getfixturevalue("pg_schema_url"))
    )
    database = open_database(url)
    yield database
    database.close()


@pytest.fixture
def shop() -> Iterator[Rig]:
    made = make_rig(SPEC)
    yield made
    made.adapter.close()
    made.store.stop()


def _one_sku_per_product(rig: Rig) -> list[str]:
    by_product = {v.product_id: v.sku for v in reversed(rig.store.data.variants.values())}
    return [by_product[p] for p in sorted(by_product)]


def _collections(db: Database, rig: Rig, sku: str) -> tuple[str, ...]:
    variant = db.variant_by_sku("sandbox", sku)
    assert variant is not None
    product = db.product("sandbox", variant.product_id)
    assert product is not None
    return product.collections


def served(rig: Rig, since: int) -> Counter[str]:
    return Counter(e.operation for e in rig.store.log.entries()[since:])


def test_a_change_by_hand_costs_one_members_read_and_re_reads_only_the_products_that_moved(
    shop: Rig, db: Database
) -> None:
    skus = _one_sku_per_product(shop)
    collection = shop.store.create_collection("Garden Sofas", skus=skus[:30])
    number = collection.rsplit("/", 1)[1]
    pull(db, shop.adapter, "sandbox")
    assert _collections(db, shop, skus[0]) == ("Garden Sofas", "garden-sofas", number)
    assert (
        db.products_in_collection("sandbox", number)
        == {
            db.variant_by_sku("sandbox", s).product_id  # type: ignore[union-attr]
            for s in skus[:30]
        }
    )

    # The first read after a first sync goes over its overlap window once; after that a quiet
    # cycle is still one request per resource, the collections riding along.
    shop.clock.advance(timedelta(minutes=10))
    pull(db, shop.adapter, "sandbox")
    shop.clock.advance(timedelta(minutes=10))
    before = len(shop.store.log)
    pull(db, shop.adapter, "sandbox")
    assert sum(served(shop, before).values()) == 2, served(shop, before)

    # One product out, one in, of a 30-product collection: the collection's members (one call)
    # and the two products that moved, not the thirty.
    shop.clock.advance(timedelta(minutes=10))
    shop.store.remove_from_collection("garden-sofas", skus[0])
    shop.store.add_to_collection("garden-sofas", skus[35])
    before = len(shop.store.log)
    result = pull(db, shop.adapter, "sandbox", resources=(Resource.PRODUCTS,))
    assert served(shop, before) == Counter(
        {"CatalogChanges": 1, "CollectionMembers": 1, "CatalogByIds": 1}
    )
    assert result.products == 2
    assert _collections(db, shop, skus[0]) == ()
    assert "Garden Sofas" in _collections(db, shop, skus[35])

    # The change is settled: the next cycle reads nothing of it again.
    shop.clock.advance(timedelta(minutes=10))
    before = len(shop.store.log)
    assert pull(db, shop.adapter, "sandbox", resources=(Resource.PRODUCTS,)).products == 0
    assert sum(served(shop, before).values()) == 1


def test_a_collections_webhook_re_reads_the_products_that_came_or_left(
    shop: Rig,
    db: Database,
    hook_url: str,  # noqa: F811
) -> None:
    skus = _one_sku_per_product(shop)
    shop.store.create_collection("Sale", skus=skus[:3])
    pull(db, shop.adapter, "sandbox")
    shop.adapter.ensure_webhooks(hook_url)
    shop.store.remove_from_collection("sale", skus[1])
    shop.store.webhooks.wait_idle()
    [(headers, body)] = _Hooks.received
    event = shop.adapter.parse_webhook(headers, body)
    assert event.topic == "collections/update"
    resync(db, shop.adapter, "sandbox", event.target)
    assert _collections(db, shop, skus[1]) == ()
    assert "Sale" in _collections(db, shop, skus[0])

    # Deleting the collection: its id only comes, and every product that named it is read again.
    _Hooks.received = []
    shop.store.delete_collection("sale")
    shop.store.webhooks.wait_idle()
    [(headers, body)] = _Hooks.received
    event = shop.adapter.parse_webhook(headers, body)
    assert event.topic == "collections/delete"
    resync(db, shop.adapter, "sandbox", event.target)
    assert _collections(db, shop, skus[0]) == () and _collections(db, shop, skus[2]) == ()


def test_a_product_in_more_collections_than_a_page_gets_all_of_them(
    shop: Rig, db: Database
) -> None:
    sku = _one_sku_per_product(shop)[0]
    for n in range(12):
        shop.store.create_collection(f"Room {n}", skus=[sku])
    pull(db, shop.adapter, "sandbox")
    names = _collections(db, shop, sku)
    assert [name for name in names if name.startswith("Room ")] == [f"Room {n}" for n in range(12)]


def test_the_stored_lookup_is_exact_not_a_substring(db: Database, shop: Rig) -> None:
    skus = _one_sku_per_product(shop)
    first = shop.store.create_collection("10", skus=skus[:1])
    shop.store.create_collection("Garden 100%_x", skus=skus[1:2])
    pull(db, shop.adapter, "sandbox")
    number = first.rsplit("/", 1)[1]
    only = db.variant_by_sku("sandbox", skus[0])
    assert only is not None
    assert db.products_in_collection("sandbox", "10") == {only.product_id}
    assert db.products_in_collection("sandbox", number) == {only.product_id}
    assert db.products_in_collection("sandbox", "1") == set()
    assert len(db.products_in_collection("sandbox", "Garden 100%_x")) == 1
    assert db.products_in_collection("sandbox", "Garden 100") == set()


def test_products_stored_by_a_version_that_read_no_collections_get_them_at_the_next_cycle(
    shop: Rig, db: Database
) -> None:
    import dataclasses

    from adapters.shopify.cursor import Cursor

    skus = _one_sku_per_product(shop)
    shop.store.create_collection("Garden Sofas", skus=skus[:5])
    pull(db, shop.adapter, "sandbox")
    # What an older version left: products without collections, a cursor without their stream.
    db.upsert_products(dataclasses.replace(p, collections=()) for p in db.products("sandbox"))
    old = Cursor.decode(db.get_cursor("sandbox", "products"))
    assert old is not None and "collections" in old.streams
    with db.transaction() as tx:
        tx.set_cursor(
            "sandbox",
            "products",
            Cursor({k: v for k, v in old.streams.items() if k != "collections"}).encode(),
        )
    shop.clock.advance(timedelta(minutes=10))
    before = len(shop.store.log)
    pull(db, shop.adapter, "sandbox", resources=(Resource.PRODUCTS,))
    assert all("Garden Sofas" in _collections(db, shop, s) for s in skus[:5])
    # Once: the collection's members and the five products, then quiet again.
    assert served(shop, before)["CollectionMembers"] == 1
    assert served(shop, before)["CatalogByIds"] == 1
    shop.clock.advance(timedelta(minutes=10))
    before = len(shop.store.log)
    pull(db, shop.adapter, "sandbox", resources=(Resource.PRODUCTS,))
    assert sum(served(shop, before).values()) == 1


def test_collections_that_do_not_fit_are_passed_over_never_the_product() -> None:
    from adapters.shopify.collections import collection_keys, membership_map
    from adapters.shopify.mapping import map_product

    node = {
        "id": "gid://shopify/Product/1",
        "title": "Sofa",
        "updatedAt": "2026-11-20T12:00:00Z",
        "collections": {"nodes": [None, 7, {"title": "Garden", "legacyResourceId": 12}]},
    }
    assert map_product("s", node).collections == ("Garden", "12")
    assert map_product("s", {**node, "collections": ["junk"]}).collections == ()
    assert collection_keys([{"id": "gid://shopify/Collection/5", "handle": ""}]) == ("5",)
    lines = iter(
        [
            {"id": "gid://shopify/Collection/5", "title": "Sale", "handle": "sale"},
            "not an object",
            {"id": "gid://shopify/Product/1", "__parentId": "gid://shopify/Collection/5"},
            {"id": "gid://shopify/Product/2", "__parentId": "gid://shopify/Collection/404"},
            {"__parentId": "gid://shopify/Collection/5"},
        ]
    )
    assert membership_map(lines) == {"gid://shopify/Product/1": ("Sale", "sale", "5")}


def test_a_change_no_stamp_showed_is_caught_by_the_daily_sweep(shop: Rig, db: Database) -> None:
    from adapters.shopify.collections import SWEEP_EVERY

    skus = _one_sku_per_product(shop)
    shop.store.create_collection("Sale", skus=skus[:2])
    pull(db, shop.adapter, "sandbox")
    shop.clock.advance(timedelta(hours=1))
    pull(db, shop.adapter, "sandbox", resources=(Resource.PRODUCTS,))  # the first sync's window
    # Taken out without the collection's updatedAt moving (and no webhook): what the sweep is for.
    with shop.store.data.lock:
        [sale] = shop.store.data.collections.values()
        sale.product_ids = sale.product_ids[:1]
    shop.clock.advance(timedelta(minutes=10))
    before = len(shop.store.log)
    pull(db, shop.adapter, "sandbox", resources=(Resource.PRODUCTS,))
    assert sum(served(shop, before).values()) == 1  # quiet between sweeps
    assert "Sale" in _collections(db, shop, skus[1])  # not seen yet

    shop.clock.advance(SWEEP_EVERY)
    before = len(shop.store.log)
    pull(db, shop.adapter, "sandbox", resources=(Resource.PRODUCTS,))
    assert _collections(db, shop, skus[1]) == ()
    assert "Sale" in _collections(db, shop, skus[0])
    assert served(shop, before) == Counter(
        {"CatalogChanges": 1, "CollectionMembers": 1, "CatalogByIds": 1}
    )
