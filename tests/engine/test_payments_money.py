"""The pure side of the authorization watchdog (``connector.engine.money``) and its config rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from connector.config import parse_settings
from connector.engine.money import ExpiryPolicy, Stage, WaitingMoney, assess, capture_amount
from connector.errors import ConfigError
from connector.model import Money
from connector.payments_model import Authorization

T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def auth(
    amount: str = "100.00",
    *,
    captured: str = "0",
    capturable: str | None = None,
    multi: bool = False,
    expires: datetime | None = T0 + 7 * DAY,
) -> Authorization:
    left = Decimal(amount) - Decimal(captured) if capturable is None else Decimal(capturable)
    return Authorization(
        order_id="O1",
        transaction_id="T1",
        amount=Money(Decimal(amount), "USD"),
        capturable=Money(left, "USD"),
        captured=Money(Decimal(captured), "USD"),
        created_at=T0,
        expires_at=expires,
        multi_capturable=multi,
    )


def judge(
    a: Authorization,
    *,
    eta: date | None,
    now: datetime,
    policy: ExpiryPolicy = ExpiryPolicy.CAPTURE,
    value: str = "60.00",
) -> list[tuple[Stage, str, Decimal]]:
    waiting = [WaitingMoney("O1", Money(Decimal(value), "USD"), eta)]
    return [
        (v.stage, v.action, v.amount.amount)
        for v in assess(waiting, {"O1": [a]}, policy=policy, margin=DAY, now=now)
    ]


def test_a_line_shipping_before_the_margin_is_left_to_the_shops_own_capture() -> None:
    assert judge(auth(), eta=date(2026, 11, 5), now=T0 + 6 * DAY) == []


def test_a_line_waiting_past_the_expiry_is_watched_then_acted_on_within_the_margin() -> None:
    late = date(2026, 11, 12)
    assert judge(auth(), eta=late, now=T0 + 5 * DAY)[0][:2] == (Stage.WATCH, "wait")
    assert judge(auth(), eta=late, now=T0 + 6 * DAY)[0][:2] == (Stage.ACT, "capture")
    assert judge(auth(), eta=None, now=T0 + 6 * DAY)[0][:2] == (Stage.ACT, "capture")


def test_each_policy_says_what_to_do_in_the_margin_and_after_the_expiry() -> None:
    late = date(2026, 11, 12)
    assert (
        judge(auth(), eta=late, now=T0 + 6 * DAY, policy=ExpiryPolicy.NOTIFY_OWNER)[0][1]
        == "tell_owner"
    )
    assert (
        judge(auth(), eta=late, now=T0 + 6 * DAY, policy=ExpiryPolicy.ASK_CUSTOMER)[0][1]
        == "invoice"
    )
    expired = auth(capturable="0")
    assert judge(expired, eta=late, now=T0 + 8 * DAY)[0][:2] == (Stage.EXPIRED, "tell_owner")
    assert judge(expired, eta=late, now=T0 + 8 * DAY, policy=ExpiryPolicy.ASK_CUSTOMER)[0][:2] == (
        Stage.EXPIRED,
        "invoice",
    )


def test_only_the_waiting_lines_are_captured_when_the_authorization_allows_several() -> None:
    late = date(2026, 11, 12)
    assert judge(auth(multi=True), eta=late, now=T0 + 6 * DAY)[0][2] == Decimal("60.00")
    # One capture releases the rest: take all that is capturable, or the order's money is lost.
    assert judge(auth(), eta=late, now=T0 + 6 * DAY)[0][2] == Decimal("100.00")
    assert capture_amount(auth(multi=True, captured="70"), None).amount == Decimal("30")


def test_captured_voided_and_undated_authorizations_are_not_at_risk() -> None:
    late = date(2026, 11, 12)
    assert judge(auth(captured="100"), eta=late, now=T0 + 6 * DAY) == []
    assert judge(auth(captured="40", capturable="0"), eta=late, now=T0 + 8 * DAY) == []
    assert judge(auth(expires=None), eta=late, now=T0 + 6 * DAY) == []


def test_payments_config_is_checked_and_every_problem_named() -> None:
    shop = {
        "name": "s",
        "platform": "shopify",
        "url": "https://s.myshopify.com",
        "access_token": "env:S_TOKEN",
    }
    env = {"S_TOKEN": "shpat_x"}
    settings = parse_settings(
        {"shops": [shop], "payments": {"on_authorization_expiry": "capture"}}, env
    )
    assert settings.payments.on_authorization_expiry == "capture"
    assert parse_settings({"shops": [shop]}, env).payments.on_authorization_expiry == (
        "notify_owner"
    )
    with pytest.raises(ConfigError) as raised:
        parse_settings(
            {
                "shops": [shop],
                "payments": {
                    "on_authorization_expiry": "charge",
                    "authorization_days": 7,
                    "capture_margin_days": 7,
                },
            },
            env,
        )
    text = str(raised.value)
    assert "payments.on_authorization_expiry" in text
    assert "payments.capture_margin_days" in text
