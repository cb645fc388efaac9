"""Product tags say something true about the whole product; per-variant truth is in the label."""

from __future__ import annotations

from datetime import date

from connector.engine import decide
from connector.model import ChangeKind, Plan
from connector.settings import PolicyMatch, PolicyMode, PolicySettings
from tests.engine.builders import NOW, at, line, order, po, product, state, variant

SOFAS = PolicySettings(
    name="sofas", mode=PolicyMode.BACKORDER, match=PolicyMatch(skus=("SOFA-*",)), handling_days=1
)
DEFAULT = PolicySettings(name="default", mode=PolicyMode.STOP)


def product_tags(plan: Plan) -> set[str]:
    return {
        tag
        for change in plan.storefront
        if change.kind is ChangeKind.ADD_TAGS and change.variant_id is None
        for tag in change.tags
    }


def test_a_product_with_one_variant_on_backorder_is_tagged_backorder_only() -> None:
    """The oak sofa takes backorders (a PO covers it); the walnut one is sold out for good. The
    product is `backorder`, not also `no-backorders`; the walnut's label says it is closed."""
    shop = state(
        products=(product("P1"),),
        variants=(variant("SOFA-OAK", -1), variant("SOFA-WALNUT", 0)),
        orders=(order("ANNA", at("2026-11-01"), line("A1", "SOFA-OAK", 1)),),
        purchase_orders=(po("PO1", "SOFA-OAK", 5, date(2026, 12, 10)),),
    )
    plan = decide(shop, [SOFAS], DEFAULT, NOW)
    tags = product_tags(plan)
    assert "backorder" in tags and "no-backorders" not in tags
    labels = {c.sku: c.eta_label for c in plan.storefront if c.kind is ChangeKind.ETA}
    assert labels["SOFA-WALNUT"] == "No longer taking backorders"


def test_a_product_with_every_variant_sold_out_says_so() -> None:
    shop = state(
        products=(product("P1"),),
        variants=(variant("SOFA-OAK", 0), variant("SOFA-WALNUT", 0)),
    )
    assert "no-backorders" in product_tags(decide(shop, [SOFAS], DEFAULT, NOW))
