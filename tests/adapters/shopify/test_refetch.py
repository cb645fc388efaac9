"""A webhook's re-read of a product (``adapter.fetch``) sees every variant, however many it has."""

from __future__ import annotations

from connector.platform import ResyncTarget
from connector.sandbox.seed import SeedSpec
from tests.adapters.shopify.conftest import make_rig

BIG = SeedSpec(seed=3, products=3, variants_per_product=(45, 60), customers=2, orders=2)


def test_a_product_with_more_than_20_variants_is_re_read_whole() -> None:
    rig = make_rig(BIG, locations=3)
    try:
        state = rig.store.state()
        for gid in state["products"]:
            page = rig.adapter.fetch(ResyncTarget(product_ids=(gid,)))
            shop = {
                v: s
                for v, s in state["variants"].items()
                if rig.store.data.variants[int(v.rsplit("/", 1)[1])].product_id
                == int(gid.rsplit("/", 1)[1])
            }
            assert len(shop) > 40
            assert {v.platform_id: v.sku for v in page.variants} == {
                v: s["sku"] for v, s in shop.items()
            }
            assert all(
                v.available == shop[v.platform_id]["available"] for v in page.variants if v.tracked
            )
        # The same through an inventory webhook, which names an inventory item.
        item = next(iter(state["variants"])).replace("ProductVariant", "InventoryItem")
        page = rig.adapter.fetch(ResyncTarget(product_ids=(item,)))
        assert len(page.variants) > 40
    finally:
        rig.adapter.close()
        rig.store.stop()
