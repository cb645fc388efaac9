"""``connector demo``: the whole mission on two sandbox shops, in under a minute, offline.

It starts the Shopify and WooCommerce sandbox stores in-process, seeds them with the same small
furniture-and-apparel catalog (sold-out items, a dozen customers in English and Swedish, mixed
orders), records two purchase orders, and runs the real daemon cycle — real adapters over real
HTTP on 127.0.0.1, a SQLite file in a temporary folder, a frozen clock — then makes things happen
and shows, step by step, what the connector did about each: storefront changes, holds, the queue
with its ETAs, and the emails it wrote to ``./demo-outbox/``.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.panel import Panel

from connector.clock import FrozenClock
from connector.daemon import Daemon
from connector.db import Database, open_database
from connector.demo_narrator import Narrator, eml_headers
from connector.model import (
    OrderStatus,
    Platform,
    PurchaseOrder,
)
from connector.sandbox.seed import SeedSpec, demo_spec, generate_products
from connector.settings import (
    Branding,
    EmailSettings,
    PolicyMatch,
    PolicyMode,
    PolicySettings,
    ScheduleSettings,
    Secret,
    Settings,
    ShopSettings,
)

__all__ = ["DemoShop", "run_demo"]

log = logging.getLogger(__name__)

SHOPIFY = "nordhem-shopify"
WOO = "nordhem-woo"


@dataclass
class DemoShop:
    name: str
    platform: Platform
    store: Any
    """The running sandbox store (SandboxStore)."""


def _shopify_store(spec: SeedSpec, clock: FrozenClock) -> Any:
    from connector.sandbox.shopify import ShopifySandbox

    return ShopifySandbox(spec, clock=clock).start()


def _woo_store(spec: SeedSpec, clock: FrozenClock) -> Any:
    from connector.sandbox.woocommerce import WooCommerceSandbox

    return WooCommerceSandbox(spec, clock=clock).start()


def _shop_settings(shop: DemoShop) -> ShopSettings:
    creds = dict(shop.store.credentials())
    branding = Branding(name="Nordhem Living", support_email="help@nordhem.example")
    if shop.platform is Platform.SHOPIFY:
        return ShopSettings(
            name=shop.name,
            platform=Platform.SHOPIFY,
            url=shop.store.base_url,
            access_token=Secret(creds["access_token"], "demo"),
            client_secret=Secret(
                str(creds.get("client_secret") or creds.get("app_secret") or ""), "demo"
            ),
            currency="USD",  # what the Shopify sandbox sells in (shop, orders, prices)
            locale="en",
            requests_per_second=100,
            notify_existing=True,  # see below
            branding=branding,
        )
    return ShopSettings(
        name=shop.name,
        platform=Platform.WOOCOMMERCE,
        url=shop.store.base_url,
        consumer_key=Secret(creds["consumer_key"], "demo"),
        consumer_secret=Secret(creds["consumer_secret"], "demo"),
        webhook_secret=Secret("demo-webhook-secret", "demo"),
        currency="EUR",
        locale="sv",
        requests_per_second=100,
        # The demo's orders are placed as its story starts: they stand for orders that come in
        # while the connector runs, so they are confirmed (a real shop's older orders are not,
        # unless its config says notify_existing = true).
        notify_existing=True,
        branding=branding,
    )


def demo_settings(shops: list[DemoShop], database_url: str, outbox_dir: Path) -> Settings:
    """The config a store owner would write for the demo shops, built in code."""
    return Settings(
        shops=tuple(_shop_settings(shop) for shop in shops),
        database_url=database_url,
        schedule=ScheduleSettings(lease_seconds=600),
        email=EmailSettings(
            transport="folder",
            folder=str(outbox_dir),
            from_address="hello@nordhem.example",
            owner_email="owner@nordhem.example",
        ),
        policies=(
            PolicySettings(
                name="pre-orders",
                mode=PolicyMode.PREORDER,
                match=PolicyMatch(tags=("new",)),
            ),
        ),
        # Everything else: backorders while a dated purchase order covers them, as a config's
        # [default_policy] would say.
        default_policy=PolicySettings(
            name="backorder while supply covers it",
            mode=PolicyMode.BACKORDER,
            max_wait_days=60,
            lead_time_days=None,
            delay_discount_percent=Decimal("10"),
        ),
    )


def backordered_skus(spec: SeedSpec) -> list[str]:
    """The catalog's tracked, sold-out SKUs that keep selling: where backorders happen."""
    found = []
    for product in generate_products(spec):
        if product.release_date is not None:
            continue
        for variant in product.variants:
            if variant.tracked and variant.stock == 0 and variant.continue_selling:
                found.append(variant.sku)
    return found


@contextlib.contextmanager
def _stores(spec: SeedSpec, clock: FrozenClock) -> Iterator[list[DemoShop]]:
    started: list[DemoShop] = []
    try:
        started.append(DemoShop(SHOPIFY, Platform.SHOPIFY, _shopify_store(spec, clock)))
        started.append(DemoShop(WOO, Platform.WOOCOMMERCE, _woo_store(spec, clock)))
        yield started
    finally:
        for shop in started:
            with contextlib.suppress(Exception):
                shop.store.stop()


def _cycle_all(daemon: Daemon, narrator: Narrator, shops: list[DemoShop]) -> None:
    for shop in shops:
        narrator.cycle(shop.name, daemon.work_shop(shop.name))
    daemon.deliver_outbox()


def _waiting_order(db: Database, shop: str, sku: str) -> str | None:
    """The last order in ``sku``'s queue (the one whose cancellation frees the least for others)."""
    entries = [e for e in db.queue(shop, sku) if e.waiting > 0]
    return entries[-1].order_id if entries else None


def run_demo(
    *,
    outbox_dir: Path = Path("demo-outbox"),
    keep: bool = False,
    console: Console | None = None,
    seed: int = 7,
) -> int:
    """Run the demo; returns the exit code (0: every step worked)."""
    console = console or Console()
    spec = demo_spec(seed)
    outbox_dir.mkdir(parents=True, exist_ok=True)
    for old in outbox_dir.glob("*.eml"):
        old.unlink()
    workdir = Path(tempfile.mkdtemp(prefix="connector-demo-"))
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    clock = FrozenClock(spec.start)
    failures = 0
    try:
        with _stores(spec, clock) as shops:
            # The sandboxes set their clocks to each seeded order's time; carry on from the last.
            clock.set(clock() + timedelta(hours=1))
            db = open_database(f"sqlite:///{workdir / 'demo.db'}", clock=clock)
            settings = demo_settings(shops, f"sqlite:///{workdir / 'demo.db'}", outbox_dir)
            daemon = Daemon(settings, db, clock=clock, renew_every=0)
            narrator = Narrator(console, db, outbox_dir)
            try:
                failures += _story(_Run(console, narrator, daemon, db, shops, spec, clock))
            finally:
                daemon.close()
                db.close()
    finally:
        if keep:
            _keep(console, workdir, spec)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failures else 0


def _keep(console: Console, workdir: Path, spec: SeedSpec) -> None:
    """Leave the demo's database with a config that opens it, and say how to use them.

    The sandboxes are gone once the demo ends, so the config names the demo's shops disabled
    (no credentials needed): the support tools read their state, nothing tries to reach them.
    """
    config = workdir / "connector.toml"
    shops = "".join(
        f'\n[[shops]]\nname = "{name}"\nplatform = "{platform}"\nurl = "http://127.0.0.1:1"\n'
        "enabled = false\n"
        for name, platform in (("nordhem-shopify", "shopify"), ("nordhem-woo", "woocommerce"))
    )
    config.write_text(f'database_url = "sqlite:///{workdir / "demo.db"}"\n{shops}')
    db = open_database(f"sqlite:///{workdir / 'demo.db'}")
    try:
        queued = db.queue("nordhem-shopify")
        order = db.order("nordhem-shopify", queued[0].order_id) if queued else None
    finally:
        db.close()
    number = order.number.lstrip("#") if order is not None else str(spec.orders)
    console.print(
        f"\nThe demo's database and a config to read it with are in {workdir}/:", highlight=False
    )
    console.print(f"  connector --config {config} status", highlight=False, soft_wrap=True)
    console.print(f"  connector --config {config} order {number}", highlight=False, soft_wrap=True)


@dataclass
class _Run:
    console: Console
    narrator: Narrator
    daemon: Daemon
    db: Database
    shops: list[DemoShop]
    spec: SeedSpec
    clock: FrozenClock


def _story(run: _Run) -> int:
    """The demo's steps; returns how many went other than a store owner should expect."""
    console, narrator, daemon, db = run.console, run.narrator, run.daemon, run.db
    shops, spec, clock = run.shops, run.spec, run.clock
    skus = backordered_skus(spec)
    console.print(
        Panel(
            "Two shops, one catalog: a Shopify store and a WooCommerce store, both selling "
            f"{spec.products} products to {spec.customers} customers (English and Swedish). "
            f"Some items are sold out but still selling ({', '.join(skus) or 'none'}), "
            "one is a pre-order, and some orders mix in-stock and backordered lines.\n"
            "Everything below is real HTTP to local sandbox stores through the production adapters.",
            title="connector demo",
        )
    )
    first, second = (skus + skus)[:2] if skus else ("", "")
    today = clock().date()
    narrator.step(
        1,
        "the supplier tells us what is coming",
        f"Two purchase orders: 10 x {first} from Nordhus in 12 days, 6 x {second} from "
        "Fjord Supply in 20 days.",
    )
    for shop in shops:
        if first:
            db.add_purchase_order(
                PurchaseOrder(
                    "PO-1001", shop.name, first, 10, today + timedelta(days=12), "Nordhus"
                )
            )
        if second and second != first:
            db.add_purchase_order(
                PurchaseOrder(
                    "PO-1002", shop.name, second, 6, today + timedelta(days=20), "Fjord Supply"
                )
            )

    narrator.step(
        2,
        "first sync",
        "The connector reads both shops, finds the backordered lines, gives every waiting line its "
        "own ETA, holds what cannot ship, keeps selling what supply covers, stops what it does not, "
        "and writes each customer in their language.",
    )
    _cycle_all(daemon, narrator, shops)
    for shop in shops:
        narrator.queue(shop.name)
    narrator.emails()

    narrator.step(
        3,
        "a quiet cycle",
        "Nothing changed, so nothing is written and nobody is mailed twice.",
    )
    clock.advance(timedelta(hours=1))
    quiet = [daemon.work_shop(shop.name) for shop in shops]
    for shop, report in zip(shops, quiet, strict=True):
        narrator.cycle(shop.name, report)
    problems = sum(
        1
        for report in quiet
        if report is None or report.error or (report.plan is not None and not report.plan.is_empty)
    )

    clock.advance(timedelta(days=3))
    narrator.step(
        4,
        "stock arrives early",
        f"Three days later 4 x {first} arrive ahead of the purchase order. The connector serves "
        "the queue in order, releases the holds it can, and tells those customers it ships soon.",
    )
    for shop in shops:
        if first:
            shop.store.receive_stock(first, 4)
        if hasattr(shop.store, "deliver_webhooks"):
            shop.store.deliver_webhooks()
    _cycle_all(daemon, narrator, shops)
    for shop in shops:
        narrator.queue(shop.name)
    narrator.emails()

    clock.advance(timedelta(days=2))
    narrator.step(
        5,
        "a supplier slips",
        f"Fjord Supply writes: the {second} shipment is three weeks late. Every line waiting for it "
        "gets a new date and an apology (with a discount code, as the policy says).",
    )
    for shop in shops:
        if second:
            db.add_purchase_order(
                PurchaseOrder(
                    "PO-1002", shop.name, second, 6, today + timedelta(days=41), "Fjord Supply"
                )
            )
    _cycle_all(daemon, narrator, shops)
    narrator.emails()

    clock.advance(timedelta(days=1))
    narrator.step(
        6,
        "a customer cancels",
        "The last customer waiting for one of the items changes their mind and cancels. The "
        "connector confirms the cancellation and the queue moves up.",
    )
    for shop in shops:
        sku = next((s for s in (second, first) if s and _waiting_order(db, shop.name, s)), "")
        order_id = _waiting_order(db, shop.name, sku) if sku else None
        if order_id is not None:
            shop.store.cancel_order(order_id)
    _cycle_all(daemon, narrator, shops)
    for shop in shops:
        narrator.queue(shop.name)
    narrator.emails()

    _summary(console, db, shops, narrator.outbox_dir)
    return problems


def _summary(console: Console, db: Database, shops: list[DemoShop], outbox_dir: Path) -> None:
    console.print()
    console.rule("[bold]What happened")
    kinds: Counter[str] = Counter()
    for path in outbox_dir.glob("*.eml"):
        kinds[eml_headers(path)[1].split(":")[0][:40]] += 1
    for shop in shops:
        queue = db.queue(shop.name)
        open_orders = db.orders(shop.name, statuses=[OrderStatus.OPEN])
        console.print(
            f"{shop.name}: {len(open_orders)} open orders, {len(queue)} lines still waiting "
            f"({sum(e.waiting for e in queue)} units), history of "
            f"{len(db.events(shop.name))} backorder events.",
            highlight=False,
        )
    total = sum(kinds.values())
    console.print(f"{total} emails in {outbox_dir}/ (open any .eml file in a mail client).")
    console.print(
        "Next: `connector init` writes a config for your own shop; `connector plan` shows what "
        "would change before anything is written; `connector run` keeps it going.",
        highlight=False,
    )
