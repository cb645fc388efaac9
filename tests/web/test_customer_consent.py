"""FTC delay consent on the WooCommerce sandbox: two delays and no answer end with the waiting
units cancelled and refunded in the store on the deadline, exactly once, the customer told at
each step."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from connector.cli.main import main
from connector.model import PurchaseOrder
from connector.web.customer_cancel import cancels_for
from connector.web.customer_consent import FIRST_DELAY_GRACE, notices_for
from connector.web.tables import CancelState
from tests.web.test_customer_cancel import Shop, _shop

FTC = 'delay_consent = "ftc"\n'


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shop]:
    yield from _shop(tmp_path, monkeypatch, FTC)


def _supplier_says(shop: Shop, sku: str, days: int) -> None:
    """The supplier's purchase order for ``sku`` arrives ``days`` after the first date given."""
    entries = [e for e in shop.db.queue("outlet") if e.sku == sku]
    first = min(e.eta for e in entries if e.eta)
    shop.db.add_purchase_order(
        PurchaseOrder(
            id="PO-LATE",
            shop="outlet",
            sku=sku,
            quantity=sum(e.waiting for e in entries),
            expected_date=first + timedelta(days=days),
            created_at=shop.clock(),
        )
    )


def _cycle(shop: Shop, hours: int = 1) -> None:
    shop.clock.advance(timedelta(hours=hours))
    shop.daemon.run_once()


def _consent_mails(shop: Shop, email: str) -> list[str]:
    return [
        str(m["Subject"])
        for m in shop.mails_to(email)
        if ("cancel" in str(m["Subject"]).lower() and "wait" in str(m["Subject"]).lower())
        or "choose by" in str(m["Subject"]).lower()
        or "välj" in str(m["Subject"]).lower()
    ]


def test_two_delays_and_no_answer_cancel_and_refund_on_the_deadline_once(
    shop: Shop, capsys: pytest.CaptureFixture[str]
) -> None:
    _cycle(shop)
    assert notices_for(shop.db.engine, "outlet") == []  # nothing late yet: nothing asked
    sku = shop.db.queue("outlet")[0].sku
    original = min(e.eta for e in shop.db.queue("outlet") if e.sku == sku and e.eta)

    _supplier_says(shop, sku, 20)  # first delay, within 30 days of the first date: silence agrees
    _cycle(shop)  # the cycle sees the new dates
    _cycle(shop)  # the next one asks about them
    [notice] = notices_for(shop.db.engine, "outlet")
    assert notice.kind == "first" and notice.consent_by is None
    assert notice.original == original and notice.promise is not None
    assert original + timedelta(days=20) <= notice.promise <= original + FIRST_DELAY_GRACE
    order = shop.db.order("outlet", notice.order_id)
    assert order is not None
    assert notice.promise is not None and notice.promise <= notice.original + FIRST_DELAY_GRACE
    [subject] = _consent_mails(shop, order.customer.email)
    assert order.number in subject
    assert shop.refunds(notice.order_id) == []

    _supplier_says(shop, sku, 60)  # a second delay: only an express "keep waiting" keeps the order
    _cycle(shop)
    _cycle(shop)
    [renewed] = [
        n for n in notices_for(shop.db.engine, "outlet", notice.order_id) if n.kind == "renewed"
    ]
    # Silence no longer agrees: the customer must say so by the date they last agreed to.
    assert renewed.consent_by == notice.promise
    subjects = _consent_mails(shop, order.customer.email)
    assert len(subjects) == 2
    assert any(renewed.consent_by.strftime("%Y") in s for s in subjects)
    _, page = shop.page(notice.order_id)
    assert "/keep-waiting" in page and "/cancel" in page
    assert "Please tell us by" in page or "Säg till senast" in page
    assert shop.refunds(notice.order_id) == []

    # The deadline passes without an answer: cancelled and refunded in the same cycle.
    while shop.clock().date() <= renewed.consent_by:
        shop.clock.advance(timedelta(days=1))
    _cycle(shop)
    [refund] = shop.refunds(notice.order_id)
    assert refund.refunded_payment is True
    [record] = cancels_for(shop.db.engine, "outlet", notice.order_id)
    assert record.state == CancelState.DONE and record.source == "delay deadline"
    [closed] = [
        n for n in notices_for(shop.db.engine, "outlet", notice.order_id) if n.kind == "renewed"
    ]
    assert closed.outcome == "cancelled at the deadline"

    for _ in range(2):  # more cycles change nothing: one refund, one cancellation mail
        _cycle(shop, hours=24)
    assert len(shop.refunds(notice.order_id)) == 1
    assert all(e.order_id != notice.order_id for e in shop.db.queue("outlet"))
    cancellations = [
        m
        for m in shop.mails_to(order.customer.email)
        if "cancellation confirmed" in str(m["Subject"])
        or "avbeställning" in str(m["Subject"]).lower()
    ]
    assert len(cancellations) == 1

    # Support reads the whole exchange in connector order N: notices, deadline, outcome.
    capsys.readouterr()
    assert main(["--config", str(shop.config), "order", order.number]) == 0
    out = capsys.readouterr().out
    assert "first delay notice (FTC)" in out and "silence agrees" in out
    assert f"must agree by {renewed.consent_by.isoformat()}" in out
    assert "cancelled at the deadline" in out
    [line] = [row for row in out.splitlines() if "cancelled (delay deadline, no answer)" in row]
    assert "done" in line and "refunded" in line


def test_keep_waiting_before_the_deadline_keeps_the_order(shop: Shop) -> None:
    import html as html_lib
    import re

    _cycle(shop)
    _supplier_says(shop, shop.db.queue("outlet")[0].sku, 45)  # past 30 days: an express answer
    _cycle(shop)
    _cycle(shop)
    [notice, *_] = [n for n in notices_for(shop.db.engine, "outlet") if n.consent_by]
    _, page = shop.page(notice.order_id)
    [(action, field)] = re.findall(
        r'<form method="post" action="([^"]+/keep-waiting)"><input type="hidden" name="form" '
        r'value="([^"]+)">',
        page,
    )
    shop.client.post(
        f"/orders/{html_lib.unescape(action)}", data={"form": html_lib.unescape(field)}
    )
    while shop.clock().date() <= notice.consent_by:  # type: ignore[operator]
        shop.clock.advance(timedelta(days=1))
    _cycle(shop)
    assert shop.refunds(notice.order_id) == []
    [kept] = notices_for(shop.db.engine, "outlet", notice.order_id)
    assert kept.outcome == "agreed to wait"
