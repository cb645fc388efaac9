"""Pre-order deposits on Shopify with real cycles, the sandbox over HTTP and a real SMTP server.

Issue 15's scenarios: a ``payment = "deposit"`` policy gets its selling plan group (made once,
found again after); a pre-order bought under it charges the deposit at checkout, the balance at
release, and ships (its hold released) only after; a declined balance keeps the hold and mails
the customer once, and the owner sees it in ``connector status``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from connector.balance_view import balance_rows
from connector.cli.main import cli as main_cli
from connector.clock import FrozenClock
from connector.daemon import Daemon
from connector.db import open_database
from connector.demo import DemoShop, demo_settings
from connector.model import Platform
from connector.plans_tables import selling_plan_syncs
from connector.sandbox.seed import SeedSpec
from connector.sandbox.shopify.mandates import deferred_money, fail_mandate, place_under_plans
from connector.sandbox.shopify.records import parse_gid
from connector.sandbox.shopify.selling_plans import plans_of
from connector.settings import PolicyMatch, PolicyMode, PolicySettings
from tests.notify.conftest import Inbox, smtp_server, smtp_settings

__all__ = ["smtp_server"]  # the fixture, imported for this module's tests

SPEC = SeedSpec(
    seed=4, products=4, customers=3, orders=0, out_of_stock_share=1.0, continue_share=1.0
)


def rig(tmp_path: Path, smtp: tuple[Inbox, int]) -> SimpleNamespace:
    from connector.sandbox.shopify import ShopifySandbox

    clock = FrozenClock(SPEC.start)
    store = ShopifySandbox(SPEC, clock=clock, webhook_retry_delays=()).start()
    skus = sorted(v.sku for v in store.data.variants.values() if v.tracked)
    lamp, other = skus[0], skus[1]
    release = (SPEC.start + timedelta(days=10)).date()
    settings = demo_settings(
        [DemoShop("shop-s", Platform.SHOPIFY, store)], "sqlite://", tmp_path / "outbox"
    )
    settings = replace(
        settings,
        email=smtp_settings(smtp[1], owner_email="owner@nordhem.example"),
        policies=(
            PolicySettings(
                name="lamp-launch",
                mode=PolicyMode.PREORDER,
                release_date=release,
                payment="deposit",
                deposit_percent=Decimal(20),
                match=PolicyMatch(skus=(lamp,)),
            ),
        ),
        default_policy=PolicySettings(name="stop", mode=PolicyMode.STOP),
    )
    db = open_database(f"sqlite:///{tmp_path / 'state.db'}", clock=clock)
    daemon = Daemon(settings, db, clock=clock, renew_every=0)
    return SimpleNamespace(
        store=store,
        db=db,
        daemon=daemon,
        clock=clock,
        inbox=smtp[0],
        lamp=lamp,
        other=other,
        price=Decimal(store.data.variant_by_sku(lamp).price),
        start=clock(),
        tmp_path=tmp_path,
    )


@pytest.fixture
def live(tmp_path: Path, smtp_server: tuple[Inbox, int]) -> Iterator[SimpleNamespace]:
    made = rig(tmp_path, smtp_server)
    yield made
    made.daemon.close()
    made.db.close()
    made.store.stop()


def day(live: SimpleNamespace, number: float) -> None:
    live.clock.set(live.start + timedelta(days=number))
    live.daemon.run_once(deliver=True)


def cli(live: SimpleNamespace, *args: str) -> str:
    """A read-only command on the daemon's database, as the owner would run it."""
    config = live.tmp_path / "connector.toml"
    config.write_text(
        f'database_url = "sqlite:///{live.tmp_path / "state.db"}"\n'
        f'[[shops]]\nname = "shop-s"\nplatform = "shopify"\nurl = "{live.store.base_url}"\n'
        'access_token = "env:PLANS_TEST_TOKEN"\n'
    )
    result = CliRunner(env={"PLANS_TEST_TOKEN": "shpat_x"}).invoke(
        main_cli, ["--config", str(config), "--now", live.clock().isoformat(), *args]
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def on_hold(live: SimpleNamespace, order_id: str) -> bool:
    ref = parse_gid(order_id, "Order")
    assert ref is not None
    order = live.store.data.orders[ref[1]]
    return any(live.store.data.fulfillment_orders[f].status == "ON_HOLD" for f in order.fo_ids)


def mails(live: SimpleNamespace, kind: str) -> list[str]:
    return [
        m.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        for m in live.inbox.by_recipient("kim@example.com")
        if m["X-Connector-Kind"] == kind
    ]


def test_the_policy_gets_one_selling_plan_group_and_a_second_run_changes_nothing(
    live: SimpleNamespace,
) -> None:
    day(live, 0.01)
    groups = plans_of(live.store.data).groups
    (group,) = groups.values()
    lamp = live.store.data.variant_by_sku(live.lamp)
    assert group.merchant_code == "backorder-connector:lamp-launch"
    assert group.variant_ids == [lamp.id]
    assert (group.name, group.plans[0].name) == ("Pre-order", "Pay 20% now, the rest when it ships")
    assert group.plans[0].checkout_percent == Decimal(20)
    day(live, 0.02)
    day(live, 2)  # a day later the groups are read again: still one, same variants
    assert list(groups.values()) == [group]
    assert group.variant_ids == [lamp.id]


def test_a_deposit_preorder_pays_the_deposit_then_the_balance_at_release_and_only_then_ships(
    live: SimpleNamespace,
) -> None:
    day(live, 0.01)
    order_id = place_under_plans(live.store.data, "kim@example.com", [(live.lamp, 1)])
    deposit = (live.price * Decimal("0.2")).quantize(Decimal("0.01"))
    for number in (0.1, 3, 9.5):
        day(live, number)
        money = deferred_money(live.store.data, order_id)
        assert money["sales"] == [f"{deposit:.2f}"], f"only the deposit by day {number}"
        assert on_hold(live, order_id), f"held before the release (day {number})"
    (confirmation,) = mails(live, "preorder_confirmation")
    assert f"Paid now: ${deposit:,.2f}" in confirmation
    assert f"Still to pay before it ships: ${live.price - deposit:,.2f}" in confirmation
    live.store.receive_stock(live.lamp, 3)
    day(live, 10.1)
    money = deferred_money(live.store.data, order_id)
    assert money["sales"] == [f"{deposit:.2f}", f"{live.price - deposit:.2f}"]
    assert (money["outstanding"], money["financial"], money["mandate_calls"]) == ("0.00", "PAID", 1)
    assert not on_hold(live, order_id)
    (mail,) = mails(live, "balance_charged")
    assert f"Charged now: ${live.price - deposit:,.2f}" in mail
    assert "Still to pay: $0.00" in mail
    day(live, 11)
    assert deferred_money(live.store.data, order_id)["mandate_calls"] == 1
    assert len(mails(live, "balance_charged")) == 1


def test_a_declined_balance_keeps_the_hold_and_tells_the_customer_and_the_owner_once(
    live: SimpleNamespace,
) -> None:
    day(live, 0.01)
    order_id = place_under_plans(live.store.data, "kim@example.com", [(live.lamp, 1)])
    fail_mandate(live.store.data, order_id, "declined")
    deposit = (live.price * Decimal("0.2")).quantize(Decimal("0.01"))
    day(live, 1)
    live.store.receive_stock(live.lamp, 3)
    for number in (10.1, 10.5, 11):
        day(live, number)
        assert on_hold(live, order_id), f"held while unpaid (day {number})"
    money = deferred_money(live.store.data, order_id)
    assert money["sales"] == [f"{deposit:.2f}"]
    assert money["failures"] == [f"{live.price - deposit:.2f}"]
    assert money["mandate_calls"] == 1  # a refused balance is not tried again on its own
    (mail,) = mails(live, "balance_failed")
    assert f"Paid so far: ${deposit:,.2f}" in mail
    assert f"Still to pay: ${live.price - deposit:,.2f}" in mail
    invoices = live.store.money(order_id)["invoices"]
    assert invoices == ["kim@example.com"]  # Shopify's payment link, once
    (row,) = balance_rows(live.db.engine, "shop-s")
    assert row.state == "failed"
    status = " ".join(cli(live, "status").split())  # the table wraps long lines
    assert "pre-order balance" in status and "could not be collected" in status
    assert "Your card was declined." in status
    story = " ".join(cli(live, "order", "1001").split())
    assert "pre-order balance" in story and "could not be collected" in story
    live.daemon.send_digest("shop-s")
    live.daemon.deliver_outbox()
    (digest,) = live.inbox.by_recipient("owner@nordhem.example")
    text = digest.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "PRE-ORDER BALANCES NOT COLLECTED (1)" in text
    assert f"Order #1001: ${live.price - deposit:,.2f} still due" in text
    assert "Your card was declined." in text


def test_a_variant_the_policy_no_longer_matches_is_detached_and_the_group_never_doubled(
    live: SimpleNamespace,
) -> None:
    day(live, 0.01)
    (group,) = plans_of(live.store.data).groups.values()
    lamp = live.store.data.variant_by_sku(live.lamp)
    other = live.store.data.variant_by_sku(live.other)
    assert group.variant_ids == [lamp.id]
    # The owner moves the policy to the other SKU and restarts; the remembered fingerprint is
    # lost too (as after a crash between the create and its record): the group is found again.
    live.daemon.close()
    policy = replace(live.daemon.settings.policies[0], match=PolicyMatch(skus=(live.other,)))
    with live.db.engine.begin() as conn:
        conn.execute(selling_plan_syncs.delete())
    live.daemon = Daemon(
        replace(live.daemon.settings, policies=(policy,)), live.db, clock=live.clock, renew_every=0
    )
    day(live, 0.5)
    assert list(plans_of(live.store.data).groups.values()) == [group]
    assert group.variant_ids == [other.id]
