"""Two delivery runs at once on one database: every customer gets each message once, labelled right."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa

from connector.clock import FrozenClock
from connector.notify.outbox import DeliveryReport, Outbox
from connector.notify.samples import sample_notification, sample_shop
from connector.notify.transports import SmtpTransport
from connector.settings import EmailSettings
from tests.notify.conftest import Inbox, make_engine, smtp_settings

SECONDS_PER_SEND = 50  # a slow server: each message takes this long by the shared clock


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'state.db'}"
    else:
        url = request.getfixturevalue("pg_schema_url")
    engine = make_engine(url)
    yield engine
    engine.dispose()


class SlowTransport(SmtpTransport):
    """The real SMTP transport, on a slow line: every send moves the clock on. After its third send
    it lets the other run go and waits for it to finish, before the third message is answered."""

    def __init__(
        self,
        settings: EmailSettings,
        clock: FrozenClock,
        other_may_start: threading.Event,
        other_done: threading.Event,
    ) -> None:
        super().__init__(settings)
        self.clock = clock
        self.sends = 0
        self.other_may_start = other_may_start
        self.other_done = other_done

    def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> None:
        self.sends += 1
        self.clock.advance(timedelta(seconds=SECONDS_PER_SEND))
        if self.sends == 3:
            self.other_may_start.set()
            assert self.other_done.wait(30), "the other run never finished"
        super().send(message, sender, recipients)


def test_two_delivery_runs_at_once_send_each_message_once(
    shared_engine: sa.Engine, clock: FrozenClock, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    settings = smtp_settings(port)
    shop = sample_shop("en")
    batch = [
        replace(sample_notification("ship_soon"), order_id=f"o{n}", order_number=f"#{n}")
        for n in range(8)
    ]
    Outbox(shared_engine, clock, settings).enqueue(batch, shop)
    other_may_start, other_done = threading.Event(), threading.Event()
    reports: dict[str, DeliveryReport] = {}

    def slow_run() -> None:
        transport = SlowTransport(settings, clock, other_may_start, other_done)
        reports["slow"] = Outbox(shared_engine, clock, settings).deliver(transport, settings)

    def second_run() -> None:
        try:
            assert other_may_start.wait(30)
            reports["second"] = Outbox(shared_engine, clock, settings).deliver(
                SmtpTransport(settings), settings
            )
        finally:
            other_done.set()

    threads = [threading.Thread(target=slow_run), threading.Thread(target=second_run)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert set(reports) == {"slow", "second"}, "a delivery run raised"
    # Two minutes and a half into the slow run, its third message was still on the wire: the
    # second run must neither send it again nor call it unconfirmed.
    subjects = [str(m["Subject"]) for m in inbox.messages]
    assert len(subjects) == len(set(subjects)) == 8
    status = Outbox(shared_engine, clock, settings).status(shop.name)
    assert (status.sent, status.unconfirmed, status.pending, status.sending) == (8, 0, 0, 0)
    assert reports["slow"].sent + reports["second"].sent == 8
    assert reports["second"].unconfirmed == 0
