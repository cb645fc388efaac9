"""Orders with more lines than a page carries are completed a few orders per call."""

from __future__ import annotations

from connector.platform import Resource
from connector.sandbox.seed import SeedSpec
from tests.adapters.shopify.conftest import Rig, make_rig


def _sellable(rig: Rig) -> list[str]:
    state = rig.store.state()
    return sorted(
        v["sku"]
        for v in state["variants"].values()
        if not v["tracked"] or v["policy"] == "CONTINUE" or v["available"] >= 2
    )


def test_long_orders_arrive_whole_with_one_call_per_three_of_them() -> None:
    rig = make_rig(SeedSpec(seed=3, products=40, customers=5, orders=0))
    try:
        skus = _sellable(rig)
        assert len(skus) >= 60
        placed = {
            rig.store.place_order(
                f"c{n}@example.com", [(sku, 1) for sku in skus[8 * n : 8 * n + 8]]
            ): 8
            for n in range(7)
        }
        placed[rig.store.place_order("big@example.com", [(sku, 1) for sku in skus[:60]])] = 60
        rig.store.log.clear()
        pages, _ = rig.sync(Resource.ORDERS, None)
        got = {o.platform_id: len(o.lines) for p in pages for o in p.orders}
        assert got == placed
        calls = [e.operation for e in rig.store.log.entries()]
        # 8 long orders: three LongOrderLines calls; only the 60-line order pages on.
        assert calls.count("LongOrderLines") == 3
        assert calls.count("OrderLines") == 1
    finally:
        rig.adapter.close()
        rig.store.stop()
