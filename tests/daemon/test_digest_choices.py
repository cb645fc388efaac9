"""The owner's digest says how many customers chose on their page since yesterday (issue 14)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from connector.clock import FrozenClock
from connector.daemon_digest import choices_line
from connector.db import Database
from connector.notify.render import Renderer
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
    # A Swedish shop's owner reads it in Swedish (the note is written in the shop's language).
    swedish = replace(STOCKHOLM, locale="sv")
    note = choices_line(swedish, database.engine, clock())
    mail = Renderer().render(replace(digest, locale="sv", choices_note=note), swedish)
    for line in ("2 kunder valde att vänta.", "1 kund bad om att avbeställa."):
        assert line in mail.text and line in mail.html


def test_no_choice_and_nothing_else_means_no_digest(database: Database, clock: FrozenClock) -> None:
    daemon = make_daemon(database, clock, owner="owner@acme.example")
    assert daemon.send_digest("acme") == 0
