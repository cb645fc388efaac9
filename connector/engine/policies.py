"""Which store owner's policy governs a variant: first match wins, else the default.

Matching looks at the SKU (shell patterns), the product's tags, type, vendor and collections and
the shop name. Tags the connector itself writes (``backorder``, ``preorder``, ``ships-2026-12``...)
are ignored when matching, so our own storefront output can never flip which policy applies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase
from functools import lru_cache

from connector.model import Product, Variant
from connector.settings import PolicyMatch, PolicySettings

__all__ = ["ManagedTags", "match_policy", "matches"]


def _lower(values: Iterable[str]) -> frozenset[str]:
    return frozenset(value.casefold() for value in values)


def matches(
    match: PolicyMatch, shop: str, variant: Variant, product: Product | None, ignore: ManagedTags
) -> bool:
    """True when every criterion given in ``match`` holds for this variant (empty matches all)."""
    if match.shops and shop.casefold() not in _lower(match.shops):
        return False
    if match.skus and not any(fnmatchcase(variant.sku, pattern) for pattern in match.skus):
        return False
    if not (match.tags or match.product_types or match.vendors or match.collections):
        return True
    if product is None:
        return False
    if match.tags:
        own = _lower(tag for tag in product.tags if not ignore.is_managed(tag))
        if not own & _lower(match.tags):
            return False
    if match.product_types and product.product_type.casefold() not in _lower(match.product_types):
        return False
    if match.vendors and product.vendor.casefold() not in _lower(match.vendors):
        return False
    return not (match.collections and not _lower(product.collections) & _lower(match.collections))


def match_policy(
    shop: str,
    variant: Variant,
    product: Product | None,
    *,
    policies: Sequence[PolicySettings],
    default: PolicySettings,
    ignore: ManagedTags,
) -> PolicySettings:
    """The first policy whose match holds for the variant, else ``default``."""
    for policy in policies:
        if matches(policy.match, shop, variant, product, ignore):
            return policy
    return default


@lru_cache(maxsize=64)
def _format_pattern(tag_format: str) -> re.Pattern[str]:
    # "ships-{year:04d}-{month:02d}" -> ^ships\-\d+\-\d+$ : any date the format can produce.
    parts = re.split(r"\{[^}]*\}", tag_format)
    return re.compile("^" + r"\d+".join(re.escape(part) for part in parts) + "$", re.IGNORECASE)


class ManagedTags:
    """The tags the connector owns on products and orders, across every policy in the config."""

    def __init__(self, policies: Iterable[PolicySettings]) -> None:
        names: set[str] = set()
        patterns: list[re.Pattern[str]] = []
        for policy in policies:
            names.update(
                tag.casefold()
                for tag in (policy.backorder_tag, policy.preorder_tag, policy.sold_out_tag)
                if tag
            )
            patterns.append(_format_pattern(policy.ships_tag_format))
        self._names = frozenset(names)
        self._patterns = tuple({p.pattern: p for p in patterns}.values())
        self._seen: dict[str, bool] = {}
        self._sets: dict[frozenset[str], frozenset[str]] = {}

    def is_managed(self, tag: str) -> bool:
        known = self._seen.get(tag)
        if known is None:
            known = tag.casefold() in self._names or any(p.match(tag) for p in self._patterns)
            if len(self._seen) < 100_000:  # shops reuse a few tags a lot; bound the memo anyway
                self._seen[tag] = known
        return known

    def of(self, tags: frozenset[str]) -> frozenset[str]:
        """The managed ones among ``tags``."""
        if not tags:
            return tags
        known = self._sets.get(tags)
        if known is None:
            known = frozenset(tag for tag in tags if self.is_managed(tag))
            if len(self._sets) < 100_000:  # tag sets repeat across orders and products
                self._sets[tags] = known
        return known
