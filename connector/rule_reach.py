"""Policy match rules that cannot match on a shop's platform, said before they silently do nothing.

A ``[policies.match]`` criterion the shop's adapter never fills (WooCommerce has no vendor)
matches nothing, and since every criterion must hold, the whole
policy then matches nothing there: its products fall to ``[default_policy]``. ``connector check``
lists every such rule per shop (:func:`rule_gaps`); loading the config for any other command
prints a warning line for a rule that matches on none of its shops (:func:`never_matching`). Both
are notes, not errors: the rule may be meant for a shop added later, or the owner may accept it.

What each platform can fill is the adapters' fact (:func:`adapters.rule_limits`), handed in here
as :class:`RuleLimits`; this module only reads the settings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from connector.model import Platform
from connector.settings import PolicyMatch, Settings

__all__ = ["RuleGap", "RuleLimits", "never_matching", "rule_gaps", "unseen_collections"]

_KEYS = ("product_types", "vendors", "collections")
"""The criteria that depend on what an adapter reads about a product (skus, tags, shops always
can be matched)."""


@dataclass(frozen=True, slots=True)
class RuleLimits:
    """What one platform's adapter can match.

    ``unread``: criterion -> why it can never match (the adapter does not fill it).
    ``values``: criterion -> the only values the platform has for it (casefolded), with ``hint``
    saying what they are; a value outside them matches nothing.
    """

    unread: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, frozenset[str]] = field(default_factory=dict)
    hint: Mapping[str, str] = field(default_factory=dict)

    def problem(self, key: str, wanted: tuple[str, ...]) -> str:
        """Why criterion ``key`` with values ``wanted`` matches nothing here ("" when it can)."""
        if not wanted:
            return ""
        reason = self.unread.get(key)
        if reason:
            return reason
        known = self.values.get(key)
        if known is not None and not any(value.casefold() in known for value in wanted):
            shown = ", ".join(repr(value) for value in wanted)
            return f"{shown} is not one of {self.hint.get(key, ', '.join(sorted(known)))}"
        return ""


@dataclass(frozen=True, slots=True)
class RuleGap:
    """One policy criterion that matches nothing on one shop."""

    policy: str
    key: str
    shop: str
    reason: str

    @property
    def line(self) -> str:
        return f"policies[{self.policy}].match.{self.key}: {self.reason}; this rule matches nothing"


def _applies(match: PolicyMatch, shop: str) -> bool:
    return not match.shops or shop.casefold() in {name.casefold() for name in match.shops}


def rule_gaps(settings: Settings, limits: Callable[[Platform], RuleLimits]) -> list[RuleGap]:
    """Every (policy, criterion, enabled shop) where the criterion cannot match, in config order."""
    gaps: list[RuleGap] = []
    for policy in settings.policies:
        for shop in settings.shops:
            if not shop.enabled or not _applies(policy.match, shop.name):
                continue
            for key in _KEYS:
                reason = limits(shop.platform).problem(key, getattr(policy.match, key))
                if reason:
                    gaps.append(RuleGap(policy.name, key, shop.name, reason))
    return gaps


def never_matching(settings: Settings, gaps: list[RuleGap]) -> list[str]:
    """Warning lines for the criteria that match on none of the enabled shops their policy is for."""
    lines: list[str] = []
    for policy in settings.policies:
        shops = {s.name for s in settings.shops if s.enabled and _applies(policy.match, s.name)}
        if not shops:
            continue
        for key in _KEYS:
            mine = [g for g in gaps if g.policy == policy.name and g.key == key]
            if mine and {g.shop for g in mine} == shops:
                reasons = "; ".join(dict.fromkeys(g.reason for g in mine))
                lines.append(
                    f"policies[{policy.name}].match.{key}: {reasons}; this rule matches "
                    f"nothing on any of its shops ({', '.join(sorted(shops))}), so their products "
                    "fall to default_policy"
                )
    return lines


def unseen_collections(settings: Settings, shop: str, known: set[str]) -> list[str]:
    """Notes for the ``collections`` values no product of ``shop`` carries (``known``: every
    collection or category name, slug and id of its stored products, casefolded): a typo, or a
    collection still empty, is said rather than left to send the products to the default."""
    lines: list[str] = []
    for policy in settings.policies:
        wanted = policy.match.collections
        if not wanted or not _applies(policy.match, shop):
            continue
        missing = [value for value in wanted if value.casefold() not in known]
        if not missing:
            continue
        shown = ", ".join(repr(value) for value in missing)
        end = (
            "this rule matches nothing yet"
            if len(missing) == len(wanted)
            else "that value matches nothing yet"
        )
        lines.append(
            f"policies[{policy.name}].match.collections: no product of {shop} is in {shown} "
            f"(as of the last sync); {end}"
        )
    return lines
