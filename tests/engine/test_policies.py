"""Which policy governs a variant: first match wins, our own tags never count."""

from __future__ import annotations

from connector.engine.policies import ManagedTags, match_policy
from connector.settings import PolicyMatch, PolicyMode, PolicySettings
from tests.engine.builders import product, variant

SOFAS = PolicySettings("sofas", PolicyMode.BACKORDER, PolicyMatch(skus=("SOFA-*",)))
LAUNCH = PolicySettings("launch", PolicyMode.PREORDER, PolicyMatch(tags=("Launch",)))
NORDHUS = PolicySettings(
    "nordhus", PolicyMode.BACKORDER, PolicyMatch(vendors=("nordhus",), product_types=("Furniture",))
)
CLEARANCE = PolicySettings("clearance", PolicyMode.STOP, PolicyMatch(collections=("Clearance",)))
OTHER_SHOP = PolicySettings("other", PolicyMode.BACKORDER, PolicyMatch(shops=("elsewhere",)))
BACKORDER_TAG = PolicySettings("tagged", PolicyMode.BACKORDER, PolicyMatch(tags=("backorder",)))
DEFAULT = PolicySettings("default", PolicyMode.STOP)
ALL = (OTHER_SHOP, CLEARANCE, SOFAS, LAUNCH, NORDHUS, BACKORDER_TAG)
MANAGED = ManagedTags((*ALL, DEFAULT))


def pick(sku: str, **product_fields: object) -> str:
    prod = product("P1", **product_fields)
    return match_policy(
        "demo", variant(sku, 0), prod, policies=ALL, default=DEFAULT, ignore=MANAGED
    ).name


def test_first_matching_policy_wins_and_the_default_catches_the_rest() -> None:
    assert pick("SOFA-OAK") == "sofas"
    assert pick("SOFA-OAK", collections=("clearance",)) == "clearance"  # listed earlier
    assert pick("LAMP-1", tags=frozenset({"launch"})) == "launch"  # case-insensitive
    assert pick("CHAIR-1", vendor="Nordhus", product_type="furniture") == "nordhus"
    assert pick("CHAIR-1", vendor="Nordhus", product_type="Lighting") == "default"  # all must hold
    assert pick("MUG-1") == "default"


def test_tags_the_connector_writes_never_change_which_policy_applies() -> None:
    assert pick("MUG-1", tags=frozenset({"backorder", "ships-2026-12"})) == "default"
    assert MANAGED.is_managed("ships-2027-01")
    assert not MANAGED.is_managed("shipping-info")
