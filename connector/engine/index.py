"""The engine's index of one shop's state by SKU, kept up to date change by change.

Lines are bucketed per SKU (the queue key) in order time; SKUs that cannot have a waiting line are
never sorted or even looked at by a plan. Policies are matched once per variant here, and again
only when the variant or its product changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import cast

from connector.engine.policies import ManagedTags, match_policy
from connector.engine.state import StateDelta
from connector.model import Order, OrderLine, Product, PurchaseOrder, Variant
from connector.settings import PolicySettings

__all__ = ["Skipped", "StateIndex", "variant_key"]


@dataclass(frozen=True, slots=True)
class Skipped:
    """Input the engine could not use, with the reason (recorded, never silently dropped)."""

    what: str
    id: str
    reason: str


def _order_time(pair: tuple[Order, OrderLine]) -> tuple[datetime, str]:
    return pair[0].created_at, pair[0].platform_id


Bucket = list[Order | OrderLine]
"""One SKU's lines with their orders, flat: ``[order, line, order, line, ...]``.

Not a list of ``(order, line)`` pairs: a warm engine indexes every line of the shop, and at the
benchmark shop the pairs were 1M tuples, 54 MiB of the daemon's memory. Read it with
:func:`pairs`."""


def pairs(bucket: Bucket) -> Iterator[tuple[Order, OrderLine]]:
    """The ``(order, line)`` pairs of a bucket, in its order (made one at a time, in C)."""
    walk = iter(bucket)
    return cast("Iterator[tuple[Order, OrderLine]]", zip(walk, walk, strict=True))


def variant_key(variant: Variant) -> str:
    """The queue a variant's lines join: its SKU, or its id when it has none."""
    return variant.sku or f"#{variant.platform_id}"


class StateIndex:
    """Variants, products, orders (lines by SKU), supply and matched policies of one shop."""

    def __init__(
        self,
        shop_name: str,
        policies: Sequence[PolicySettings],
        default_policy: PolicySettings,
        managed: ManagedTags,
    ) -> None:
        self.shop_name = shop_name
        self.policies = tuple(policies)
        self.default_policy = default_policy
        self.managed = managed
        self.skipped: list[Skipped] = []
        self.variants: dict[str, Variant] = {}
        self.key_of_variant: dict[str, str] = {}
        self.products: dict[str, Product] = {}
        self.product_keys: dict[str, set[str]] = {}
        self.orders: dict[str, Order] = {}
        self.lines: dict[str, Bucket] = {}
        self.unsorted: set[str] = set()
        self.held: set[str] = set()
        """Keys with a line under our hold: they need the full pass, a hold may have to go."""
        self.preorder: set[str] = set()
        self.supply: dict[str, dict[str, PurchaseOrder]] = {}
        self.pools: dict[str, set[str]] = {}
        """Keys of the variants sharing each stock pool (``Variant.stock_pool``)."""
        self.policy: dict[str, PolicySettings] = {}
        self.partial = False
        """Lines are indexed only for the SKUs a full plan needs (see :meth:`index_orders`)."""

    def complete(self) -> None:
        """Index every line, if only some were (before applying a change, which may touch any)."""
        if not self.partial:
            return
        orders = list(self.orders.values())
        self.orders, self.lines, self.held, self.preorder = {}, {}, set(), set()
        self.skipped = [item for item in self.skipped if item.what != "order line"]
        self.index_orders(orders)

    def policy_of(self, key: str) -> PolicySettings:
        return self.policy.get(key, self.default_policy)

    def index_orders(self, orders: Iterable[Order], wanted: set[str] | None = None) -> None:
        """The bulk version of :meth:`put_order` for a fresh index: one tight loop over the lines.

        ``wanted``: index only the lines of these SKUs (and of SKUs with a held or pre-ordered
        line, found on the way) - all a full plan looks at. The index is then partial, and made
        complete (:meth:`complete`) before the first change is applied. Buckets are sorted lazily.
        """
        ix = self
        lines, held, preorder, variants = ix.lines, ix.held, ix.preorder, ix.variants
        by_id = ix.orders
        late: set[str] = set()
        # Known SKUs a full plan does not need: one lookup per line instead of two.
        quiet = variants.keys() - wanted if wanted is not None else set()
        # Orders usually come oldest first (the database reads them so): then every bucket is
        # already in order time and nothing needs sorting. Checked here, in the one pass.
        in_order = True
        last: Order | None = None
        count = 0
        for order in orders:
            by_id[order.platform_id] = order
            count += 1
            # Times first: building a (time, id) pair per order cost more than the check itself.
            if (
                last is not None
                and order.created_at <= last.created_at
                and (order.created_at < last.created_at or order.platform_id < last.platform_id)
            ):
                in_order = False
            last = order
            for line in order.lines:
                key = line.sku or self.line_key(line)
                if key is None:
                    self.skipped.append(
                        Skipped("order line", line.platform_id, "line has neither SKU nor variant")
                    )
                    continue
                if key in quiet:
                    if line.on_hold or line.preorder:
                        late.add(key)
                    continue
                bucket = lines.get(key)
                if bucket is None:
                    lines[key] = [order, line]
                else:
                    bucket.append(order)
                    bucket.append(line)
                if line.on_hold:
                    held.add(key)
                if line.preorder:
                    preorder.add(key)
        if late:  # rare: a hold or pre-order on a SKU that looked quiet; index it whole
            for order in by_id.values():
                for line in order.lines:
                    key = line.sku or self.line_key(line)
                    if key in late:
                        lines.setdefault(key, []).extend((order, line))
                        if line.on_hold:
                            held.add(key)
                        if line.preorder:
                            preorder.add(key)
        self.partial = wanted is not None
        if count != len(by_id):  # an order seen twice: judge the kept orders by their first place
            in_order = is_in_time_order(by_id.values())
        ix.unsorted = set() if in_order else set(lines)

    def put_variant(self, variant: Variant) -> str:
        ix = self
        key = variant_key(variant)
        other = ix.variants.get(key)
        if other is not None and other.platform_id != variant.platform_id:
            self.skipped.append(
                Skipped(
                    "variant", variant.platform_id, f"SKU {key} is also variant {other.platform_id}"
                )
            )
            return key
        if other is not None and other.stock_pool and other.stock_pool != variant.stock_pool:
            ix.pools.get(other.stock_pool, set()).discard(key)
        if variant.stock_pool:
            ix.pools.setdefault(variant.stock_pool, set()).add(key)
        ix.variants[key] = variant
        ix.key_of_variant[variant.platform_id] = key
        keys = ix.product_keys.get(variant.product_id)
        if keys is None:  # not setdefault: that builds an empty set for every variant
            ix.product_keys[variant.product_id] = {key}
        else:
            keys.add(key)
        ix.policy[key] = self._match(variant, ix.products.get(variant.product_id))
        return key

    def _match(self, variant: Variant, product: Product | None) -> PolicySettings:
        """The first policy that matches the variant (and its product), else the default."""
        return match_policy(
            self.shop_name,
            variant,
            product,
            policies=self.policies,
            default=self.default_policy,
            ignore=self.managed,
        )

    def line_key(self, line: OrderLine) -> str | None:
        if line.sku:
            return line.sku
        if line.variant_id is not None:
            return self.key_of_variant.get(line.variant_id)
        return None

    def put_order(self, order: Order) -> set[str]:
        """Index an order (replacing its earlier version); returns the keys its lines touch."""
        ix = self
        touched: set[str] = set()
        order_id = order.platform_id
        old = ix.orders.get(order_id)
        if old is not None:
            for line in old.lines:
                key = self.line_key(line)
                bucket = ix.lines.get(key) if key is not None else None
                if key is not None and bucket is not None:
                    bucket[:] = _flat(
                        pair for pair in pairs(bucket) if pair[0].platform_id != order_id
                    )
                    touched.add(key)
        ix.orders[order_id] = order
        for line in order.lines:
            key = self.line_key(line)
            if key is None:
                self.skipped.append(
                    Skipped(
                        "order line", line.platform_id, "line has neither SKU nor known variant"
                    )
                )
                continue
            bucket = ix.lines.get(key)
            if bucket is None:
                bucket = ix.lines[key] = []
            elif bucket:
                last = bucket[-2]
                assert isinstance(last, Order)  # the flat bucket's last order
                if (last.created_at, last.platform_id) > (order.created_at, order_id):
                    ix.unsorted.add(key)
            bucket.append(order)
            bucket.append(line)
            if line.on_hold:
                ix.held.add(key)
            if line.preorder:
                ix.preorder.add(key)
            touched.add(key)
        return touched

    def apply(self, delta: StateDelta) -> set[str]:
        """Take in what changed; returns the keys (SKUs) a plan must work out again."""
        self.complete()
        ix = self
        touched: set[str] = set()
        for product in delta.products:
            ix.products[product.platform_id] = product
            for key in ix.product_keys.get(product.platform_id, ()):
                ix.policy[key] = self._match(ix.variants[key], product)
                touched.add(key)
        for variant in delta.variants:
            touched.add(self.put_variant(variant))
        for order in delta.orders:
            touched |= self.put_order(order)
        for po in delta.purchase_orders:
            ix.supply.setdefault(po.sku, {})[po.id] = po
            touched.add(po.sku)
        for po_id in delta.removed_purchase_orders:
            for sku, pos in ix.supply.items():
                if pos.pop(po_id, None) is not None:
                    touched.add(sku)
        # A change to one variant of a stock pool moves the others' shares of it.
        for key in list(touched):
            member = ix.variants.get(key)
            if member is not None and member.stock_pool:
                touched |= ix.pools.get(member.stock_pool, set())
        return touched

    def lines_of(self, key: str) -> Iterator[tuple[Order, OrderLine]]:
        """The SKU's lines with their orders, oldest order first (ties by order id)."""
        bucket = self.lines.get(key)
        if not bucket:
            return iter(())
        if key in self.unsorted:
            bucket[:] = _flat(sorted(pairs(bucket), key=_order_time))
            self.unsorted.discard(key)
        return pairs(bucket)


def _flat(items: Iterable[tuple[Order, OrderLine]]) -> Bucket:
    return list(chain.from_iterable(items))


def is_in_time_order(orders: Iterable[Order]) -> bool:
    """Whether ``orders`` come oldest first (ties by platform id)."""
    last: Order | None = None
    for order in orders:
        if (
            last is not None
            and order.created_at <= last.created_at
            and (order.created_at < last.created_at or order.platform_id < last.platform_id)
        ):
            return False
        last = order
    return True
