"""Pre-order payment terms made real on Shopify: one selling plan group per deferred policy.

::

    policies (preorder, payment = deposit | on_release) + catalog ─▶ PlanTerms + variants
        ─▶ adapter.selling_plans: groups() ─▶ create / update / attach / detach ─▶ fingerprint

A ``preorder`` policy with ``payment = "deposit"`` (``deposit_percent`` at checkout) or
``"on_release"`` (nothing at checkout) gets a group whose ``merchantCode`` is
``backorder-connector:<policy>``, found again by it on every run and never made twice. Its variants
are the policy's; a variant the policy no longer matches is detached, and a policy that went away
keeps its group with no variants (orders bought under it still point at its plan). The buyer-facing
names come from ``templates/<locale>/_selling_plan.txt.j2``.

Idempotent and cheap: the terms and variant ids are fingerprinted, and a run whose fingerprint
is the one last written (within a day) sends nothing. A failure here is logged and kept for
``connector status``; it never fails the cycle.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import sqlalchemy as sa
from jinja2 import Environment, TemplateNotFound

from connector.engine.policies import ManagedTags, match_policy
from connector.logs import redact
from connector.notify.environment import make_environment
from connector.payments_model import MoneyResult
from connector.plans_model import Balance, PlanGroup, PlanTerms
from connector.plans_tables import selling_plan_syncs
from connector.settings import PolicyMode, PolicySettings, Settings

if TYPE_CHECKING:
    from connector.cycle import CycleDeps

__all__ = [
    "CODE_PREFIX",
    "PlanSync",
    "SellingPlansAdapter",
    "deferred_policies",
    "plan_terms",
    "sync_selling_plans",
]

log = logging.getLogger(__name__)

CODE_PREFIX = "backorder-connector:"
RECHECK = timedelta(days=1)
"""An unchanged fingerprint is still re-read this often: a group edited in the admin comes back."""


@runtime_checkable
class SellingPlansAdapter(Protocol):
    """What a platform's ``adapter.selling_plans`` offers (Shopify: ``adapters.shopify.selling_plans``)."""

    def groups(self) -> list[PlanGroup]: ...

    def create(self, terms: PlanTerms, variant_ids: Sequence[str]) -> str: ...

    def update(self, group: PlanGroup, terms: PlanTerms) -> None: ...

    def attach(self, group_id: str, variant_ids: Iterable[str], *, add: bool) -> None: ...

    def balances(self, order_ids: Iterable[str]) -> dict[str, Balance]: ...

    def collect(self, order_id: str, mandate_id: str, key: str) -> MoneyResult: ...


@dataclass
class PlanSync:
    """What one run did (logged; ``selling_plan_syncs`` keeps the rest)."""

    skipped: bool = False
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    attached: int = 0
    detached: int = 0
    error: str = ""


def deferred_policies(settings: Settings, shop: str) -> list[PolicySettings]:
    """The shop's pre-order policies that charge less than everything at checkout."""
    return [
        p
        for p in (*settings.policies, settings.default_policy)
        if p.mode is PolicyMode.PREORDER
        and p.payment in ("deposit", "on_release")
        and (not p.match.shops or shop.casefold() in {s.casefold() for s in p.match.shops})
    ]


DEFERRED_SCOPES: dict[str, str] = {
    "write_purchase_options": "the pre-order selling plan (deposit or pay on release) at checkout",
    "write_payment_mandate": "collecting a pre-order's balance at release",
}
"""Shopify scopes needed only by a shop a deposit or pay-on-release policy serves (docs/payments.md)."""


def missing_deferred_scopes(settings: Settings, shop: str, granted: Iterable[str]) -> list[str]:
    """What ``connector check`` must add to ``shop``'s missing scopes: without them the selling plan
    is never made and a balance is never collected, so the line stays held (no checkout deposit)."""
    if not deferred_policies(settings, shop):
        return []
    have = set(granted)
    return [scope for scope in DEFERRED_SCOPES if scope not in have]


def plan_terms(policy: PolicySettings, locale: str, templates_dir: str | None = None) -> PlanTerms:
    """The selling plan a deferred pre-order policy needs, named in the shop's language."""
    percent = policy.deposit_percent if policy.payment == "deposit" else None
    share = percent if percent is not None else Decimal(0)
    environment = make_environment(templates_dir)
    folder = locale if _has_labels(environment, locale) else "en"
    shown = f"{share.normalize():f}" if share else ""
    text = environment.get_template(f"{folder}/_selling_plan.txt.j2").render(percent=shown)
    group_name, plan_name = [line.strip() for line in text.strip().splitlines()][:2]
    release = policy.release_date
    description = (
        f"{CODE_PREFIX}{policy.name}: {share:f}% at checkout, the balance is collected by the "
        f"connector before the line ships; fulfilment from {release.isoformat() if release else 'ASAP'}"
    )
    return PlanTerms(
        policy=policy.name,
        merchant_code=f"{CODE_PREFIX}{policy.name}",
        checkout_percent=share,
        release=release,
        group_name=group_name,
        plan_name=plan_name,
        description=description,
    )


def _has_labels(environment: Environment, locale: str) -> bool:
    try:
        environment.get_template(f"{locale}/_selling_plan.txt.j2")
    except TemplateNotFound:  # a locale without its own labels reads English
        return False
    return True


def sync_selling_plans(deps: CycleDeps, *, force: bool = False) -> PlanSync:
    """Bring the shop's selling plan groups to its deferred policies. Never raises."""
    result = PlanSync()
    plans = getattr(deps.adapter, "selling_plans", None)
    if not isinstance(plans, SellingPlansAdapter):
        result.skipped = True
        return result  # a platform without selling plans (WooCommerce: docs/payments-woocommerce.md)
    try:
        _sync(deps, plans, result, force=force)
    except Exception as error:  # the cycle's own work stands; the next cycle tries again
        result.error = redact(f"{type(error).__name__}: {error}")[:500]
        log.warning("selling plans for %s failed: %s", deps.shop, result.error)
        _remember(deps, "", result.error)
    return result


def _wanted(deps: CycleDeps) -> dict[str, tuple[PlanTerms, frozenset[str]]]:
    """Policy name -> (its terms, the variant ids it applies to) for every deferred policy."""
    settings, shop = deps.settings, deps.shop
    deferred = deferred_policies(settings, shop)
    if not deferred:
        return {}
    shop_settings = settings.shop(shop)
    templates_dir = settings.email.templates_dir
    managed = ManagedTags((*settings.policies, settings.default_policy))
    products = {p.platform_id: p for p in deps.store.products(shop)}
    chosen: dict[str, set[str]] = {p.name: set() for p in deferred}
    for variant in deps.store.variants(shop):
        policy = match_policy(
            shop,
            variant,
            products.get(variant.product_id),
            policies=settings.policies,
            default=settings.default_policy,
            ignore=managed,
        )
        if policy.name in chosen:
            chosen[policy.name].add(variant.platform_id)
    return {
        p.name: (plan_terms(p, shop_settings.locale, templates_dir), frozenset(chosen[p.name]))
        for p in deferred
    }


def _fingerprint(wanted: dict[str, tuple[PlanTerms, frozenset[str]]]) -> str:
    text = "\n".join(
        f"{name}|{terms}|{','.join(sorted(ids))}" for name, (terms, ids) in sorted(wanted.items())
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _sync(deps: CycleDeps, plans: SellingPlansAdapter, result: PlanSync, *, force: bool) -> None:
    wanted = _wanted(deps)
    fingerprint = _fingerprint(wanted)
    last = _last(deps)
    now = deps.clock()
    if last is None and not wanted:
        result.skipped = True
        return  # never had a deferred policy: nothing to read, nothing to undo
    if not force and last is not None and last[0] == fingerprint and _fresh(last[1], now):
        result.skipped = True
        return
    groups = [g for g in plans.groups() if g.merchant_code.startswith(CODE_PREFIX)]
    by_code = {g.merchant_code: g for g in sorted(groups, key=lambda g: g.id, reverse=True)}
    for name, (terms, variant_ids) in sorted(wanted.items()):
        group = by_code.pop(terms.merchant_code, None)
        if group is None:
            plans.create(terms, sorted(variant_ids))
            result.created.append(name)
            result.attached += len(variant_ids)
            continue
        if group.description != terms.description or not group.plan_id:
            plans.update(group, terms)
            result.updated.append(name)
        add = sorted(variant_ids - group.variant_ids)
        drop = sorted(group.variant_ids - variant_ids)
        if add:
            plans.attach(group.id, add, add=True)
            result.attached += len(add)
        if drop:
            plans.attach(group.id, drop, add=False)
            result.detached += len(drop)
    for group in by_code.values():  # a policy that went away: its variants sell in full again
        if group.variant_ids:
            plans.attach(group.id, sorted(group.variant_ids), add=False)
            result.detached += len(group.variant_ids)
    _remember(deps, fingerprint, "")


def _fresh(synced_at: datetime, now: datetime) -> bool:
    return timedelta(0) <= now - synced_at < RECHECK


def _last(deps: CycleDeps) -> tuple[str, datetime] | None:
    with deps.engine.connect() as conn:
        row = conn.execute(
            sa.select(selling_plan_syncs.c.fingerprint, selling_plan_syncs.c.synced_at).where(
                selling_plan_syncs.c.shop == deps.shop
            )
        ).first()
    return (row.fingerprint, row.synced_at) if row is not None else None


def _remember(deps: CycleDeps, fingerprint: str, message: str) -> None:
    now = deps.clock()
    values = {"fingerprint": fingerprint, "synced_at": now, "message": message}
    with deps.engine.begin() as conn:
        done = conn.execute(
            selling_plan_syncs.update()
            .where(selling_plan_syncs.c.shop == deps.shop)
            .values(**values)
        ).rowcount
        if not done:
            conn.execute(selling_plan_syncs.insert().values(shop=deps.shop, **values))

