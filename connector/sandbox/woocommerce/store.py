"""The WooCommerce sandbox store: state, seeding and the control interface of :class:`SandboxStore`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from connector.clock import FrozenClock
from connector.sandbox.base import FaultInjector, RequestLog, SandboxServer, SandboxStore
from connector.sandbox.seed import SeedSpec, generate_customers, generate_orders, generate_products
from connector.sandbox.woocommerce.api import RestApi
from connector.sandbox.woocommerce.auth import ApiKey, Authenticator
from connector.sandbox.woocommerce.catalog import Catalog
from connector.sandbox.woocommerce.checkout import refusal
from connector.sandbox.woocommerce.customers import Customers
from connector.sandbox.woocommerce.hooks import HookQueue
from connector.sandbox.woocommerce.orders import Orders
from connector.sandbox.woocommerce.payloads import order_json, product_json, variation_json
from connector.sandbox.woocommerce.pre_orders import PreOrders
from connector.sandbox.woocommerce.records import Coupon, Item, Order, Webhook
from connector.sandbox.woocommerce.system_status import system_status
from connector.sandbox.woocommerce.wsgi import make_app

__all__ = ["WooCommerceSandbox"]

DEFAULT_KEY = "ck_" + "5a1d" * 10
DEFAULT_SECRET = "cs_" + "e3b0" * 10
RELEASE_META = "_release_date"


class WooCommerceSandbox(SandboxStore):
    """A local WooCommerce 7.9 store over real HTTP on 127.0.0.1 (see the package docs for the rules).

    ``consumer_key`` / ``consumer_secret`` form a ``read_write`` key; more keys (``read`` only, say)
    come from :meth:`add_key`. ``preorders_plugin`` installs the official
    Pre-Orders extension (``store.pre_orders``, see :mod:`.pre_orders`).
    """

    def __init__(
        self,
        seed_spec: SeedSpec | None = None,
        *,
        clock: FrozenClock | None = None,
        consumer_key: str = DEFAULT_KEY,
        consumer_secret: str = DEFAULT_SECRET,
        manage_stock_option: bool = True,
        version: str = "7.9.0",
        port: int = 0,
        preorders_plugin: bool = False,
        faults: FaultInjector | None = None,
        batch_fail_every: int = 3,
    ) -> None:
        start = seed_spec.start if seed_spec else datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
        self.clock = clock or FrozenClock(start)
        self.faults = faults or FaultInjector()
        self.log = RequestLog()
        self.version = version
        """WooCommerce's version as the store reports it; 10.3 and later serve ``/variations``."""
        self.preorders_plugin = preorders_plugin
        self.batch_fail_every = batch_fail_every
        self.lock = threading.RLock()
        # werkzeug logs every request line, OAuth query included; keep the console quiet.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.auth = Authenticator()
        self.auth.add(ApiKey(consumer_key, consumer_secret, "read_write"))
        self._key = (consumer_key, consumer_secret)
        self._seed_spec = seed_spec
        self._manage_stock_option = manage_stock_option
        self.api = RestApi(self)
        self._server = SandboxServer(make_app(self), port=port, clock=self.clock)
        self._batch_fault = False
        self._init_state()

    # --- state ----------------------------------------------------------------------------------
    def _init_state(self) -> None:
        self._last_id = 9
        self.catalog = Catalog(self.now, self.next_id)
        self.catalog.manage_stock_option = self._manage_stock_option
        self.orders = Orders(self.catalog, self.now, self.next_id)
        self.coupons: dict[int, Coupon] = {}
        self.webhooks: dict[int, Webhook] = {}
        self.customers = Customers(self.now)
        self.hooks = HookQueue(
            lambda: list(self.webhooks.values()), self._render_hook, lambda: self.base_url, self.now
        )
        self.catalog.on_change = self._product_changed
        self.orders.on_change = lambda order, event: self.hooks.enqueue("order", event, order.id)
        self.pre_orders = PreOrders(self.orders, self._by_sku, self.lock)
        if self.preorders_plugin:
            self.pre_orders.install()
        if self._seed_spec is not None:
            self.seed(self._seed_spec)

    def now(self) -> int:
        return int(self.clock().timestamp())

    def next_id(self) -> int:
        self._last_id += 1
        return self._last_id

    def _product_changed(self, item: Item) -> None:
        self.hooks.enqueue("product", "updated", item.id)

    def _render_hook(self, topic: str, resource_id: int) -> dict[str, Any] | None:
        with self.lock:
            if topic.startswith("order."):
                order = self.orders.orders.get(resource_id)
                return None if order is None else order_json(self.catalog, order, self.base_url)
            item = self.catalog.items.get(resource_id)
            if item is None or topic == "product.deleted":
                return {"id": resource_id}
            render = variation_json if item.parent else product_json
            return render(self.catalog, item, self.base_url)

    def delete_item(self, item: Item, *, force: bool) -> None:
        """``DELETE`` without ``force`` trashes; with it the item is gone."""
        if force:
            self.catalog.items.pop(item.id, None)
            self.catalog.by_sku.pop(item.sku, None)
            parent = self.catalog.items.get(item.parent)
            if parent is not None and parent.children is not None:
                parent.children.remove(item.id)
        else:
            item.status = "trash"
            item.modified = self.now()
        self.hooks.enqueue("product", "deleted", item.id)

    def reparent(self, item: Item, parent: Item) -> None:
        old = self.catalog.items.get(item.parent)
        if old is not None and old.children is not None and item.id in old.children:
            old.children.remove(item.id)
        item.parent = parent.id
        if parent.children is not None:
            parent.children.append(item.id)

    def batch_failures(self) -> Any:
        """Which batch items fail under an injected ``batch_partial`` fault (every Nth item)."""
        active, self._batch_fault = self._batch_fault, False
        every = max(1, self.batch_fail_every)
        return lambda index: active and index % every == every - 1

    def arm_batch_fault(self) -> None:
        self._batch_fault = True

    # --- seeding ----------------------------------------------------------------------------------
    def seed(self, spec: SeedSpec) -> None:
        """Fill the store from the deterministic generator, orders placed through checkout."""
        catalog = self.catalog
        self.clock.set(spec.start)  # the same spec gives the same store, timestamps included
        skus: list[str] = []
        for product in generate_products(spec):
            variable = len(product.variants) > 1
            tags = [{"name": tag} for tag in product.tags]
            meta: list[dict[str, Any]] = []
            if product.release_date is not None:
                tags.append({"name": "preorder"})
                meta.append({"key": RELEASE_META, "value": product.release_date.isoformat()})
            # The seed's product type is a WooCommerce category (WooCommerce has no such field).
            category = {"id": catalog.category_id(product.product_type)}
            data: dict[str, Any] = {
                "name": product.title,
                "tags": tags,
                "meta_data": meta,
                "categories": [category],
            }
            if variable:
                parent = catalog.create({**data, "type": "variable"})
                for variant in product.variants:
                    item = catalog.create(self._variant_data(variant), parent=parent)
                    item.name = f"{product.title} - {variant.title}"
                    skus.append(variant.sku)
            else:
                catalog.create({**data, **self._variant_data(product.variants[0])})
                skus.append(product.variants[0].sku)
        customers = {c.key: c for c in generate_customers(spec)}
        for seed_order in generate_orders(spec, skus):
            customer = customers[seed_order.customer_key]
            self.clock.set(seed_order.created_at)
            # The storefront refuses what it cannot sell: drop those lines, as a shopper would
            # (the Shopify sandbox seeds the same way, so both shops start with the same orders).
            lines: list[tuple[str, int]] = []
            for line in seed_order.lines:
                if refusal(self.catalog, [*lines, line]) is None:
                    lines.append(line)
            if lines:
                self._checkout(
                    customer.email,
                    tuple(lines),
                    f"{customer.first_name} {customer.last_name}",
                    customer.locale,
                    refuse=True,
                )
        self.hooks.clear()

    @staticmethod
    def _variant_data(variant: Any) -> dict[str, Any]:
        return {
            "sku": variant.sku,
            "regular_price": str(variant.price),
            "manage_stock": bool(variant.tracked),
            "stock_quantity": variant.stock if variant.tracked else None,
            "backorders": "notify" if variant.continue_selling else "no",
        }

    # --- SandboxStore control interface -----------------------------------------------------------
    @property
    def has_variations_route(self) -> bool:
        """WooCommerce 10.3 added ``GET /wc/v3/variations`` (variations across parents)."""
        numbers = []
        for part in self.version.split(".")[:2]:
            digits = "".join(ch for ch in part if ch.isdigit())
            numbers.append(int(digits or 0))
        return tuple(numbers) >= (10, 3)

    @property
    def base_url(self) -> str:
        return self._server.base_url

    def credentials(self) -> Mapping[str, str]:
        return {"consumer_key": self._key[0], "consumer_secret": self._key[1]}

    def add_key(self, consumer_key: str, consumer_secret: str, permissions: str) -> None:
        self.auth.add(ApiKey(consumer_key, consumer_secret, permissions))

    def advance_clock(self, delta: timedelta) -> datetime:
        return self.clock.advance(delta)

    def _by_sku(self, sku: str) -> Item:
        item_id = self.catalog.by_sku.get(sku)
        if item_id is None:
            raise KeyError(f"no product or variation with SKU {sku!r}")
        return self.catalog.items[item_id]

    def receive_stock(self, sku: str, quantity: int) -> None:
        with self.lock:
            self.catalog.change_stock(self._by_sku(sku), quantity)

    def place_order(
        self,
        email: str,
        lines: Iterable[tuple[str, int]],
        *,
        name: str = "",
        locale: str | None = None,
        checkout: bool = True,
    ) -> str:
        """See :meth:`SandboxStore.place_order`; ``checkout=False`` is a REST order (never refused)."""
        with self.lock:
            return str(
                self._checkout(
                    email, tuple(lines), name, locale, refuse=checkout, rest=not checkout
                )
            )

    def _checkout(
        self,
        email: str,
        lines: tuple[tuple[str, int], ...],
        name: str,
        locale: str | None,
        *,
        refuse: bool,
        rest: bool = False,
    ) -> int:
        if refuse:
            reason = refusal(self.catalog, lines)
            if reason is not None:
                raise ValueError(reason)
        items = [{"product_id": self._by_sku(sku).id, "quantity": qty} for sku, qty in lines]
        first, _, last = name.partition(" ")
        data: dict[str, Any] = {
            "status": "processing",
            "set_paid": True,
            "billing": {"first_name": first, "last_name": last, "email": email},
            "line_items": items,
        }
        if locale:
            data["meta_data"] = [{"key": "wpml_language", "value": locale}]
        order = self.orders.create(data, checkout=not rest)
        return order.id

    def attach_customer(self, order_id: str, customer_id: int) -> None:
        """Makes ``order_id`` the order of registered customer ``customer_id`` (its ``customer_id``)."""
        with self.lock:
            self.customers.get(customer_id)
            self._order(order_id).customer_id = customer_id

    def _order(self, order_id: str) -> Order:
        return self.orders.get(int(order_id))

    def cancel_order(self, order_id: str) -> None:
        with self.lock:
            self.orders.set_status(self._order(order_id), "cancelled")

    def set_order_status(self, order_id: str, status: str) -> None:
        with self.lock:
            self.orders.set_status(self._order(order_id), status)

    def edit_order_line(self, order_id: str, sku: str, quantity: int) -> None:
        with self.lock:
            self.orders.edit_line(self._order(order_id), sku, quantity)

    def set_release_date(self, sku: str, release: date | None) -> None:
        with self.lock:
            item = self._by_sku(sku)
            target = self.catalog.items.get(item.parent) or item
            value = release.isoformat() if release else None
            self.catalog.apply(target, {"meta_data": [{"key": RELEASE_META, "value": value}]})

    def set_categories(self, sku: str, names: Iterable[str]) -> None:
        """The owner files the product of ``sku`` under categories ``names`` (created if missing)."""
        with self.lock:
            item = self._by_sku(sku)
            target = self.catalog.items.get(item.parent) or item
            ids = [{"id": self.catalog.category_id(name)} for name in names]
            self.catalog.apply(target, {"categories": ids})

    def deliver_webhooks(self) -> int:
        """Run the background webhook queue once (WooCommerce's Action Scheduler)."""
        return self.hooks.deliver()

    def state(self) -> dict[str, Any]:
        with self.lock:
            catalog = self.catalog
            return {
                "products": [
                    product_json(catalog, i, self.base_url)
                    for i in catalog.items.values()
                    if not i.parent
                ],
                "variations": [
                    {**variation_json(catalog, i, self.base_url), "parent_id": i.parent}
                    for i in catalog.items.values()
                    if i.parent
                ],
                "orders": [
                    order_json(catalog, o, self.base_url) for o in self.orders.orders.values()
                ],
                "notes": {
                    str(o.id): [
                        {"id": n.id, "note": n.text, "customer_note": n.customer_note}
                        for n in o.notes
                    ]
                    for o in self.orders.orders.values()
                    if o.notes
                },
                "tags": {str(k): v[0] for k, v in catalog.tags.items()},
                "coupons": [
                    {"code": c.code, "amount": c.amount, "email_restrictions": c.emails}
                    for c in self.coupons.values()
                ],
                "webhooks": [
                    {"id": h.id, "topic": h.topic, "status": h.status, "failures": h.failures}
                    for h in self.webhooks.values()
                ],
                "manage_stock_option": catalog.manage_stock_option,
                "customer_emails": [
                    {"order_id": oid, "email": email} for oid, email in self.orders.customer_emails
                ],
            }

    def system_status(self) -> dict[str, Any]:
        return system_status(
            self.base_url,
            self.version,
            preorders_active=self.pre_orders.active,
            preorders_installed=self.pre_orders.installed,
        )

    def reset(self) -> None:
        with self.lock:
            self.faults.clear()
            self.auth.refuse_nonces(0)
            self.log.clear()
            self._init_state()

    def start(self) -> WooCommerceSandbox:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> WooCommerceSandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
