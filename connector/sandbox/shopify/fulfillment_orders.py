"""Fulfillment orders as Shopify keeps them: submitted, split, held (only the lines asked), released
and fulfilled, and the order's display status they make."""

from __future__ import annotations

from connector.sandbox.shopify.records import SFulfillmentOrder, SHold, SLine, SOrder
from connector.sandbox.shopify.shop_records import ShopRecords

__all__ = ["FulfillmentOrderRules"]


class FulfillmentOrderRules(ShopRecords):
    """The fulfillment order operations of :class:`~connector.sandbox.shopify.store.ShopData`."""

    def submit_fulfillment(self, order: SOrder) -> None:
        """Send the order's open fulfillment orders to a fulfillment service (a warehouse)."""
        for fo_id in order.fo_ids:
            fo = self.fulfillment_orders[fo_id]
            if fo.status == "OPEN":
                fo.request_status = "SUBMITTED"
                fo.updated_at = self.clock()
        self.touch_order(order)

    def _resize_line_on_fulfillment_orders(self, order: SOrder, line: SLine, delta: int) -> None:
        for fo_id in order.fo_ids:
            fo = self.fulfillment_orders[fo_id]
            slot = fo.remaining.get(line.id)
            if slot is None or fo.status in ("CLOSED", "CANCELLED"):
                continue
            change = max(delta, -slot[1])
            slot[0] += change
            slot[1] += change
            delta -= change
            fo.updated_at = self.clock()
            if not any(rem for _, rem in fo.remaining.values()):
                fo.status = "CLOSED"
            if delta == 0:
                break

    def split_off(self, fo: SFulfillmentOrder, moves: dict[int, int]) -> SFulfillmentOrder:
        """Move ``moves`` (line id -> quantity) from ``fo`` to a new fulfillment order."""
        order = self.orders[fo.order_id]
        new = SFulfillmentOrder(self.next_id(), fo.order_id, self.clock())
        for line_id, qty in moves.items():
            slot = fo.remaining[line_id]
            slot[0] -= qty
            slot[1] -= qty
            new.remaining[line_id] = [qty, qty]
            if slot[0] == 0:
                del fo.remaining[line_id]
        self.fulfillment_orders[new.id] = new
        order.fo_ids.append(new.id)
        fo.updated_at = self.clock()
        return new

    def hold(
        self,
        fo: SFulfillmentOrder,
        reason: str,
        handle: str | None,
        moves: dict[int, int] | None,
    ) -> tuple[SHold, SFulfillmentOrder | None]:
        """Put ``fo`` (or only the ``moves`` part of it) on hold; returns the hold and the rest."""
        remaining: SFulfillmentOrder | None = None
        if moves:
            # Shopify keeps the id on the held part and moves the rest to a new fulfillment order.
            rest = {
                line: slot[1] - moves.get(line, 0)
                for line, slot in fo.remaining.items()
                if slot[1] - moves.get(line, 0) > 0
            }
            if rest:
                remaining = self.split_off(fo, rest)
        hold = SHold(self.next_id(), handle, reason, ours=True)
        fo.holds.append(hold)
        fo.status = "ON_HOLD"
        fo.updated_at = self.clock()
        self.touch_order(self.orders[fo.order_id])
        return hold, remaining

    def release(self, fo: SFulfillmentOrder, hold_ids: list[int] | None) -> None:
        if hold_ids is None:
            fo.holds.clear()
        else:
            fo.holds = [h for h in fo.holds if h.id not in hold_ids]
        if not fo.holds and fo.status == "ON_HOLD":
            fo.status = "OPEN"
        fo.updated_at = self.clock()
        self.touch_order(self.orders[fo.order_id])

    def fulfill(self, fo: SFulfillmentOrder, moves: dict[int, int] | None) -> None:
        order = self.orders[fo.order_id]
        for line_id, slot in fo.remaining.items():
            qty = slot[1] if moves is None else min(moves.get(line_id, 0), slot[1])
            if qty <= 0:
                continue
            slot[1] -= qty
            line = self.lines[line_id]
            line.fulfilled += qty
            variant = self.variants[line.variant_id]
            if variant.tracked:
                variant.committed -= qty
                variant.updated_at = self.clock()
        if not any(slot[1] for slot in fo.remaining.values()):
            fo.status = "CLOSED"
        fo.updated_at = self.clock()
        self.touch_order(order)

    def display_status(self, order: SOrder) -> str:
        lines = [self.lines[i] for i in order.line_ids]
        shipped = sum(line.fulfilled for line in lines)
        wanted = sum(line.current for line in lines)
        if wanted and shipped >= wanted:
            return "FULFILLED"
        # Shopify: ON_HOLD means *all* unfulfilled items are on hold. A hold of only the
        # backordered lines leaves the in-stock rest OPEN, and the order UNFULFILLED.
        waiting = [
            fo
            for fo in (self.fulfillment_orders[f] for f in order.fo_ids)
            if fo.status not in ("CLOSED", "CANCELLED") and any(r for _, r in fo.remaining.values())
        ]
        if waiting and all(fo.status == "ON_HOLD" for fo in waiting):
            return "ON_HOLD"
        return "PARTIALLY_FULFILLED" if shipped else "UNFULFILLED"
