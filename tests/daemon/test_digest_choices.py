"""The owner's digest says how many customers chose on their page since yesterday (issue 14)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from connector.clock import FrozenClock
from connector.db import Database
from connector.notify.render import Renderer
from connector.web.customer_consent import SOURCE as DEADLINE
from connector.web.tables import CANCEL, KEEP_WAITING, record_choice
from tests.daemon.test_daemon_work import STOCKHOLM, make_daemon


def _choose(database: Database, clock: FrozenClock, order: str, action: str) -> None:
    record_choice(
        database.engine,
        shop="acme",
        order_id=order,
        action=action,
        promise=None,
        at=clock(),
        source="customer page",
    )


def test_the_digest_counts_the_last_days_keep_waiting_and_cancel_choices(
    database: Database, clock: FrozenClock
) -> None:
    _choose(database, clock, "o1", KEEP_WAITING)  # the day before yesterday: not counted
    clock.advance(timedelta(days=1, hours=1))
    for order in ("o2", "o3"):
        _choose(database, clock, order, KEEP_WAITING)
    _choose(database, clock, "o4", CANCEL)
    clock.advance(timedelta(hours=2))
    daemon = make_daemon(database, clock, owner="owner@acme.example")
    # Nothing else happened that day: the choices alone send the digest.
    assert daemon.send_digest("acme") == 1
    (digest,) = daemon.outbox.queued.values()
    mail = Renderer().render(digest, STOCKHOLM)
    for line in ("2 customers chose to keep waiting.", "1 customer asked to cancel."):
        assert line in mail.text and line in mail.html
    assert "deadline" not in mail.text  # no order was cancelled at an FTC deadline
    # A Swedish shop's owner reads the same counts in Swedish (the template words them).
    swedish = replace(STOCKHOLM, locale="sv")
    mail = Renderer().render(replace(digest, locale="sv"), swedish)
    for line in ("2 kunder valde att vänta.", "1 kund bad om att avbeställa."):
        assert line in mail.text and line in mail.html


def test_a_cancel_at_the_ftc_deadline_is_not_a_customer_asking_to_cancel(
    database: Database, clock: FrozenClock
) -> None:
    record_choice(
        database.engine,
        shop="acme",
        order_id="o5",
        action=CANCEL,
        promise=None,
        at=clock(),
        source=DEADLINE,
    )
    clock.advance(timedelta(hours=1))
    daemon = make_daemon(database, clock, owner="owner@acme.example")
    assert daemon.send_digest("acme") == 1
    (digest,) = daemon.outbox.queued.values()
    text = Renderer().render(digest, STOCKHOLM).text
    assert "asked to cancel" not in text
    assert "1 order was cancelled at the delay-consent deadline" in text


def test_no_choice_and_nothing_else_means_no_digest(database: Database, clock: FrozenClock) -> None:
    daemon = make_daemon(database, clock, owner="owner@acme.example")
    assert daemon.send_digest("acme") == 0
