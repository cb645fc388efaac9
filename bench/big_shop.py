"""The benchmark shop set up in place, as a first sync and its first writes leave it (issue 19).

The benchmark shop (100k variants / 1M order lines / 200k waiting) is bench/bench_engine.py's
generator, so it means the same thing as in the engine bench. A first sync over HTTP cannot reach
it (226 s for 30k orders), so :func:`setup` builds it in place:

* the shop is generated straight into the WooCommerce sandbox's records (variable products of four
  variations, orders whose lines took their stock);
* the state database gets what a completed first sync would have left: every product, variation
  and order as the connector's own WooCommerce mapping reads the sandbox's REST payloads (the
  functions the reader calls), written in bulk with the store's own ``upsert_*`` in transactions
  of 5,000, the first-sync mark and the purchase orders;
* the first plan is made (a cold engine, as the daemon's first cycle makes it) and its writes are
  put into the sandbox records as the adapter's batches put them (``storefront.diff`` for products
  and variations, the ``_bc_hold`` / ``_bc_tags`` meta for orders), read back through the mapping
  into the database with the plan's queue and events saved; again until a plan is empty, so a
  quiet cycle has nothing to write, as after a real first write cycle and its re-read;
* the cursors stand where a settled read leaves them (watermark, and the store's second past the
  overlap window).

:func:`serve_shop` does all that in a process of its own and then serves the shop, so the
daemon's process (bench_daemon_big.py) holds only the daemon.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import DEFAULT, NOW, POLICY, generate

from connector.clock import FrozenClock
from connector.engine import EngineState
from connector.model import Platform

SHOP = "big-woo"
CHUNK = 5000


def rss_mb() -> tuple[float, float]:
    """(VmRSS, VmHWM) of this process in MB."""
    found = {}
    for row in Path("/proc/self/status").read_text().splitlines():
        key, _, value = row.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) / 1024
    return found["VmRSS"], found["VmHWM"]


def say(text: str) -> None:
    now, peak = rss_mb()
    print(f"{text}  [RSS {now:.0f} MB, peak {peak:.0f} MB, load {os.getloadavg()[0]:.1f}]")


class Ids:
    """The generator's ids to the sandbox's ints (WooCommerce ids are numbers)."""

    def __init__(self) -> None:
        self.product: dict[str, int] = {}
        self.variant: dict[str, int] = {}
        self.order: dict[str, int] = {}


def fill_store(store: Any, state: EngineState) -> Ids:
    """The generated shop as sandbox records: variable products of four variations, orders
    whose lines took their stock (the generator's ``available`` already counts them)."""
    from connector.sandbox.woocommerce.records import Item, Line, Order

    catalog, orders = store.catalog, store.orders
    ids = Ids()
    stamp = int(NOW.timestamp())
    for product in state.products:
        parent = Item(store.next_id(), "variable", product.title, sku="", price="", now=stamp)
        catalog.items[parent.id] = parent
        ids.product[product.platform_id] = parent.id
    for variant in state.variants:
        parent = catalog.items[ids.product[variant.product_id]]
        item = Item(
            store.next_id(),
            "variation",
            parent.name,
            sku=variant.sku or "",
            price="49.00",
            now=stamp,
        )
        item.parent = parent.id
        item.manage_stock = True
        item.stock = variant.available
        item.backorders = "notify"
        catalog.validate(item)
        parent.children.append(item.id)
        catalog.items[item.id] = item
        catalog.by_sku[item.sku] = item.id
        ids.variant[variant.platform_id] = item.id
    by_sku = {v.sku: ids.variant[v.platform_id] for v in state.variants}
    for seed in state.orders:
        created = int(seed.created_at.timestamp())
        order = Order(store.next_id(), created)
        order.status = "processing"
        order.paid = created
        order.created_via = "checkout"
        order.email = seed.customer.email
        order.first_name, _, order.last_name = (seed.customer.name or "").partition(" ")
        for seed_line in seed.lines:
            item = catalog.items[by_sku[seed_line.sku]]
            line = Line(
                orders.next_line_id,
                item.parent,
                item.id,
                seed_line.quantity,
                name=item.name,
                sku=item.sku,
            )
            orders.next_line_id += 1
            line.price = item.price
            line.reduced = seed_line.quantity
            order.lines.append(line)
        orders.orders[order.id] = order
        ids.order[seed.platform_id] = order.id
    return ids


def read_records(store: Any, product_ids: Iterable[int], order_ids: Iterable[int]) -> tuple:
    """Products, variations and orders as a sync reads them: the sandbox's REST payloads through
    the connector's WooCommerce mapping (the very functions the reader calls)."""
    from adapters.woocommerce.mapping import map_order, map_product, map_variation
    from connector.sandbox.woocommerce.payloads import order_json, product_json, variation_json

    catalog, base = store.catalog, store.base_url
    products, variants, orders = [], [], []
    for pid in product_ids:
        item = catalog.items[pid]
        row = product_json(catalog, item, base)
        products.append(map_product(SHOP, row))
        for child in item.children or ():
            var = variation_json(catalog, catalog.items[child], base)
            variants.append(map_variation(SHOP, var, row, "EUR"))
    for oid in order_ids:
        orders.append(map_order(SHOP, order_json(catalog, store.orders.orders[oid], base)))
    return products, variants, orders


def save(db: Any, products: list, variants: list, orders: list) -> None:
    """In bulk, with the store's own upserts: one transaction per chunk, as sync pages are."""
    for rows, write in ((products, "upsert_products"), (variants, "upsert_variants")):
        for start in range(0, len(rows), CHUNK):
            with db.transaction() as tx:
                getattr(tx, write)(rows[start : start + CHUNK])
    for start in range(0, len(orders), CHUNK):
        with db.transaction() as tx:
            tx.upsert_orders(orders[start : start + CHUNK])


def write_plan(store: Any, plan: Any) -> tuple[set[int], set[int]]:
    """The plan's storefront changes and order actions put into the sandbox records as the
    adapter's batches put them; returns the product and order ids written (to read back)."""
    from adapters.woocommerce.hold_notes import HOLD_STATUS_KEY, hold_status
    from adapters.woocommerce.mapping import HOLD_KEY, ORDER_TAGS_KEY, held_lines, order_tags
    from adapters.woocommerce.order_actions import OrderActionWriter, _hold_text, _tags_text
    from adapters.woocommerce.storefront import _want_of, diff
    from connector.sandbox.woocommerce.payloads import order_json, product_json, variation_json

    catalog, base = store.catalog, store.base_url
    products: set[int] = set()
    for change in plan.storefront:
        item = catalog.items[int(change.variant_id or change.product_id)]
        if change.kind.name.endswith("TAGS"):
            item = catalog.items[int(change.product_id)]
        render = variation_json if item.parent else product_json
        body = diff(render(catalog, item, base), _want_of(change))
        if body:
            catalog.apply(item, body, validate_input=False)
            catalog.touch(item)
        products.add(item.parent or item.id)
    by_order: dict[str, list] = {}
    for action in plan.order_actions:
        by_order.setdefault(action.order_id, []).append(action)
    for oid, actions in by_order.items():
        order = store.orders.orders[int(oid)]
        row = order_json(catalog, order, base)
        holds, tags = dict(held_lines(row)), {oid: order_tags(row)}
        for action in actions:
            OrderActionWriter._change(action, holds, tags, oid)
        meta = [{"key": HOLD_KEY, "value": _hold_text(holds)}]
        meta.append({"key": HOLD_STATUS_KEY, "value": hold_status(row, holds)})
        meta.append({"key": ORDER_TAGS_KEY, "value": _tags_text(tags[oid])})
        order.meta = catalog.upsert_meta(order.meta, meta)
        order.modified = store.now()
    return products, {int(oid) for oid in by_order}


def setup(db: Any, store: Any, settings: Any, clock: FrozenClock, state: EngineState) -> None:
    """The sandbox and the database as a completed first sync and first write cycle leave them."""
    from adapters.woocommerce.reader import Cursor
    from connector.db import schema as t
    from connector.db.store_backorders import _po_row
    from connector.db.store_base import upsert
    from connector.engine import Engine
    from connector.planning import load_shop_state

    began = time.perf_counter()
    ids = fill_store(store, state)
    say(f"sandbox filled in {time.perf_counter() - began:.0f} s")
    began = time.perf_counter()
    products, variants, orders = read_records(store, ids.product.values(), ids.order.values())
    say(
        f"mapped {len(products)} products, {len(variants)} variations, {len(orders)} orders "
        f"through the WooCommerce mapping in {time.perf_counter() - began:.0f} s"
    )
    began = time.perf_counter()
    db.mark_first_sync(SHOP)  # the orders the shop had are older: no confirmations for them
    save(db, products, variants, orders)
    del products, variants, orders
    with db.engine.begin() as conn:
        rows = [_po_row(replace(po, shop=SHOP)) for po in state.purchase_orders]
        upsert(conn, t.purchase_orders, rows)
    say(f"database written in {time.perf_counter() - began:.0f} s")
    for number in range(1, 4):  # the first write cycle and its re-read, until nothing is left
        began = time.perf_counter()
        engine = Engine(settings.policies, settings.default_policy)
        engine.load(load_shop_state(db, settings, SHOP, clock()))
        plan = engine.plan(clock())
        del engine
        counts = (len(plan.storefront), len(plan.order_actions), len(plan.notifications))
        say(
            f"first plan {number}: {counts[0]} storefront, {counts[1]} order actions, "
            f"{counts[2]} emails, {len(plan.queue)} queued in {time.perf_counter() - began:.0f} s"
        )
        written_products, written_orders = write_plan(store, plan)
        again = read_records(store, written_products, written_orders)
        save(db, *again)
        with db.transaction() as tx:
            tx.replace_queue(SHOP, plan.queue)
            tx.append_events(plan.events)
        if not (plan.storefront or plan.order_actions):
            break
    # A settled read: the watermark at the newest row, the store's second past the overlap.
    overlap = settings.shop(SHOP).overlap_seconds
    stamp = store.now()
    cursor = Cursor(watermark=stamp, settled=stamp + overlap + 1).dump(overlap)
    db.set_cursor(SHOP, "orders", cursor)
    db.set_cursor(SHOP, "products", cursor)
    clock.advance(timedelta(seconds=overlap + 1))


class ShopAt:
    """Where the sandbox serves (in the other process): what the owner's config names."""

    def __init__(self, base_url: str, credentials: dict[str, str]) -> None:
        self.base_url = base_url
        self._credentials = credentials

    def credentials(self) -> dict[str, str]:
        return self._credentials


def settings_for(store: Any, folder: str) -> Any:
    """The owner's config: the engine bench's policies (backorder everything, else stop)."""
    from types import SimpleNamespace

    from connector.demo import demo_settings

    where = SimpleNamespace(name=SHOP, platform=Platform.WOOCOMMERCE, store=store)
    settings = demo_settings([where], "sqlite://", Path(folder) / "outbox")  # type: ignore[list-item]
    shop = replace(settings.shops[0], notify_existing=False)
    return replace(settings, shops=(shop,), policies=(POLICY,), default_policy=DEFAULT)


def new_orders(store: Any, skus: list[str], short: list[str], pick: Any, count: int = 100) -> None:
    """``count`` REST orders, half of them on SKUs people already wait for."""
    for number in range(count):
        sku = pick.choice(short if number % 2 else skus)
        email = f"c{pick.randrange(50_000)}@example.com"
        store.place_order(email, [(sku, pick.randint(1, 2))], checkout=False)


def serve_shop(conn: Any, args: argparse.Namespace, url: str, folder: str) -> None:
    """The other process: generate the shop, set it up, then serve it and obey ``conn``."""
    import gc
    import random

    from connector.db import open_database
    from connector.sandbox.woocommerce import WooCommerceSandbox

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    began = time.perf_counter()
    state = generate(args.variants, args.lines, args.waiting)
    say(
        f"generated {len(state.variants)} variants / {len(state.orders)} orders in "
        f"{time.perf_counter() - began:.0f} s"
    )
    clock = FrozenClock(NOW.astimezone(UTC))
    store = WooCommerceSandbox(None, clock=clock, version=args.wc_version).start()
    db = open_database(url, clock=clock)
    settings = settings_for(store, folder)
    took = time.perf_counter()
    setup(db, store, settings, clock, state)
    skus = sorted(v.sku for v in state.variants if v.sku)
    short = skus[: max(1, len(skus) // 10)]
    del state
    db.close()
    gc.collect()
    say(f"setup done in {time.perf_counter() - took:.0f} s (sandbox process)")
    conn.send((store.base_url, dict(store.credentials()), clock()))
    pick = random.Random(19)
    while True:
        command, value = conn.recv()
        if command == "advance":
            clock.advance(timedelta(seconds=value))
        elif command == "orders":
            new_orders(store, skus, short, pick, value)
        elif command == "log":
            entries = [(e.method, e.operation or e.path) for e in store.log.entries()]
            store.log.clear()
            conn.send((entries, rss_mb()))
            continue
        elif command == "stop":
            store.stop()
            conn.send(None)
            return
        conn.send(None)
