"""The customers' choices of a window, counted by the database on SQLite and on PostgreSQL: what
``connector report``, the console and the digest show (``connector/web/customer_report.py``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from connector.db import open_database
from connector.model import ChoiceCounts
from connector.model_cancel import RefundKind
from connector.web.customer_consent import SOURCE as DEADLINE
from connector.web.customer_report import choices_report
from connector.web.tables import (
    CANCEL,
    KEEP_WAITING,
    CancelState,
    customer_cancels,
    delay_consents,
    record_choice,
)

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=30)
OLD = NOW - timedelta(days=40)


def _cancel(conn: sa.Connection, order: str, state: str, at: datetime, **money: str) -> None:
    conn.execute(
        customer_cancels.insert().values(
            shop="acme",
            order_id=order,
            key=f"k-{order}",
            units="[]",
            state=state,
            source="customer page",
            requested_at=at,
            updated_at=at,
            **money,
        )
    )


def test_the_windows_choices_and_cancels_are_counted_once_per_order(any_db_url: str) -> None:
    database = open_database(any_db_url)
    engine = database.engine
    try:
        choices = [
            ("o1", KEEP_WAITING, date(2027, 1, 10), NOW - timedelta(days=2), "customer page"),
            ("o1", KEEP_WAITING, date(2027, 2, 1), NOW - timedelta(days=1), "customer page"),
            ("o2", CANCEL, None, NOW - timedelta(days=3), "customer page"),
            ("o3", CANCEL, None, NOW - timedelta(days=3), DEADLINE),
            ("o4", KEEP_WAITING, None, OLD, "customer page"),  # before the window
            ("o5", CANCEL, None, NOW + timedelta(hours=1), "customer page"),  # after it
            ("o6", KEEP_WAITING, None, NOW - timedelta(days=1), "customer page"),
            ("o6", KEEP_WAITING, None, NOW - timedelta(days=1), "customer page"),  # replayed
        ]
        for order, action, promise, at, source in choices:
            record_choice(
                engine,
                shop="acme",
                order_id=order,
                action=action,
                promise=promise,
                at=at,
                source=source,
            )
        record_choice(  # another shop's choice is not this one's
            engine,
            shop="other",
            order_id="o9",
            action=CANCEL,
            promise=None,
            at=NOW,
            source="customer page",
        )
        day = NOW - timedelta(days=2)
        with engine.begin() as conn:
            paid = {"refund": RefundKind.PAID, "amount": "120.50", "currency": "EUR"}
            _cancel(conn, "o2", CancelState.DONE, day, **paid)
            _cancel(
                conn,
                "o3",
                CancelState.DONE,
                day,
                refund=RefundKind.PAID,
                amount="79.50",
                currency="EUR",
            )
            _cancel(
                conn,
                "o7",
                CancelState.DONE,
                day,
                refund=RefundKind.MANUAL,
                amount="0.00",
                owed="45.00",
                currency="EUR",
            )
            _cancel(conn, "o8", CancelState.FAILED, day)
            _cancel(conn, "o10", CancelState.AWAITING_APPROVAL, OLD)  # still waits: counted
            _cancel(
                conn,
                "o11",
                CancelState.DONE,
                OLD,
                refund=RefundKind.PAID,
                amount="9.00",
                currency="EUR",
            )  # refunded before the window
            _cancel(conn, "o12", CancelState.DECLINED, day)
            for order, sent, consent_by, outcome in (
                ("o1", day, "2026-12-20", ""),  # open, with a deadline
                ("o6", day, "", ""),  # open, silence agrees: nothing to wait for
                ("o3", OLD, "2026-11-01", "cancelled at the deadline"),
            ):
                conn.execute(
                    delay_consents.insert().values(
                        shop="acme",
                        order_id=order,
                        promise="2027-01-10",
                        original="2026-12-01",
                        kind="first",
                        consent_by=consent_by,
                        sent_at=sent,
                        outcome=outcome,
                    )
                )

        report = choices_report(engine, "acme", since=SINCE, until=NOW)
        assert report.counts == ChoiceCounts(kept_waiting=2, customer_cancels=1, deadline_cancels=1)
        assert report.refunds_paid == 2 and report.refunded == {"EUR": Decimal("200.00")}
        assert report.refunds_by_hand == 1 and report.owed == {"EUR": Decimal("45.00")}
        assert report.failed == 1 and report.awaiting_approval == 1
        assert report.notices == 2 and report.notices_open == 1
        assert not choices_report(engine, "nobody", since=SINCE, until=NOW)
    finally:
        database.close()
