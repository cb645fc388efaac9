"""The Shopify adapter's payment calls against the sandbox: authorizations read with their expiry
(stated on Plus, else the checkout plus ``authorization_days``), a partial capture, an expired one
refused, and a lost answer reported UNKNOWN after one request, never retried blindly."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from connector.model import Money
from connector.payments_model import MoneyOutcome
from tests.adapters.shopify.conftest import Rig


def _authorized(rig: Rig, *, multi: bool = False, visible: bool = True) -> tuple[str, Decimal]:
    variant = next(v for v in rig.store.data.variants.values() if v.policy == "CONTINUE")
    order_id = rig.store.place_order("ola@example.com", [(variant.sku, 2)], financial="AUTHORIZED")
    rig.store.authorize(order_id, multi_capturable=multi, expires_visible=visible)
    return order_id, Decimal(variant.price) * 2


def test_authorizations_come_with_their_expiry_stated_or_reckoned(rig: Rig) -> None:
    stated, total = _authorized(rig)
    unstated, _ = _authorized(rig, visible=False)
    found = rig.adapter.payments.authorizations([stated, unstated], authorization_days=5)
    (a,) = found[stated]
    (b,) = found[unstated]
    assert a.expires_at == a.created_at + timedelta(days=7)  # what Shopify said
    assert b.expires_at == b.created_at + timedelta(days=5)  # not on Plus: reckoned
    assert (a.amount.amount, a.capturable.amount, a.captured.amount) == (total, total, 0)


def test_a_partial_capture_is_read_back_as_captured(rig: Rig) -> None:
    order_id, total = _authorized(rig, multi=True)
    (auth,) = rig.adapter.payments.authorizations([order_id])[order_id]
    result = rig.adapter.payments.capture(
        order_id, auth.transaction_id, Money(Decimal("10.00"), "USD"), final=False
    )
    assert result.outcome is MoneyOutcome.DONE and result.transaction_id
    (after,) = rig.adapter.payments.authorizations([order_id])[order_id]
    assert (after.captured.amount, after.capturable.amount) == (Decimal(10), total - 10)
    assert rig.store.money(order_id)["captures"] == ["10.00"]


def test_an_expired_authorization_is_refused_and_nothing_moves(rig: Rig) -> None:
    order_id, total = _authorized(rig)
    (auth,) = rig.adapter.payments.authorizations([order_id])[order_id]
    rig.clock.advance(timedelta(days=8))
    result = rig.adapter.payments.capture(
        order_id, auth.transaction_id, Money(total, "USD"), final=False
    )
    assert result.outcome is MoneyOutcome.FAILED
    assert "expired" in result.message
    assert rig.store.money(order_id)["captures"] == []


def test_a_lost_answer_is_unknown_after_one_request_and_the_capture_shows_in_the_read(
    rig: Rig,
) -> None:
    order_id, total = _authorized(rig)
    (auth,) = rig.adapter.payments.authorizations([order_id])[order_id]
    rig.store.faults.inject("truncate")  # the shop ran it; the answer arrives cut off
    before = len(rig.store.log.entries())
    result = rig.adapter.payments.capture(
        order_id, auth.transaction_id, Money(total, "USD"), final=False
    )
    assert result.outcome is MoneyOutcome.UNKNOWN
    assert len(rig.store.log.entries()) == before + 1, "one request: no blind retry"
    (after,) = rig.adapter.payments.authorizations([order_id])[order_id]
    assert after.captured.amount == total
    assert rig.adapter.client.policy.max_attempts > 1, "the client's other calls still retry"
