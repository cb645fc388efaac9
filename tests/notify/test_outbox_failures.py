"""How delivery failures end, by when they happened: what the customer gets and what the owner sees."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa

from connector.clock import FrozenClock
from connector.notify.outbox import Outbox
from connector.notify.samples import sample_notification, sample_shop
from connector.notify.tables import outbox_messages
from connector.notify.transports import SmtpTransport
from tests.notify.conftest import Mail, MakeMail, _free_port, smtp_settings


def three_orders(mail: Mail) -> None:
    batch = [
        replace(sample_notification("ship_soon"), order_id=f"o{n}", order_number=f"#{n}")
        for n in range(3)
    ]
    assert mail.outbox.enqueue(batch, mail.shop) == 3


@pytest.mark.parametrize("misbehaviour", ["drop", "stall"])
def test_no_answer_after_the_body_is_never_resent(make_mail: MakeMail, misbehaviour: str) -> None:
    mail = make_mail(timeout_seconds=0.5)
    mail.outbox.enqueue([sample_notification("ship_soon")], mail.shop)
    mail.inbox.after_body.append(
        misbehaviour
    )  # the server has the message, the client hears nothing

    first = mail.deliver()
    for _ in range(3):  # later runs, past any backoff and the stale window
        mail.clock.advance(timedelta(hours=7))
        mail.deliver()

    assert len(mail.inbox.messages) == 1  # the customer got it once
    assert first.unconfirmed == 1 and first.retried == 0
    status = mail.status()
    assert (status.unconfirmed, status.pending, status.sent) == (1, 0, 0)
    assert "may have accepted it" in status.last_errors[0].error
    assert "connector emails requeue --id" in status.last_errors[0].error


def test_a_refused_recipient_fails_alone_and_the_others_go(mail: Mail) -> None:
    three_orders(mail)
    mail.outbox.enqueue(
        [replace(sample_notification("delay"), email="gone@example.com")], mail.shop
    )
    mail.inbox.refuse["gone@example.com"] = "550 5.1.1 No such user"

    report = mail.deliver()

    assert (report.sent, report.failed) == (3, 1)
    assert len(mail.inbox.messages) == 3
    [problem] = mail.status().last_errors
    assert problem.recipient == "gone@example.com" and "550 5.1.1 No such user" in problem.error


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"smtp_security": "starttls"}, "STARTTLS"),
        ({"smtp_username": "shop"}, "AUTH"),
    ],
)
def test_a_config_mistake_stops_the_run_and_keeps_every_message(
    make_mail: MakeMail, engine: sa.Engine, overrides: dict[str, object], says: str
) -> None:
    broken = make_mail(**overrides)
    three_orders(broken)

    first = broken.deliver()
    second = broken.deliver()

    assert first.failed == 0 and first.sent == 0 and says in first.stopped
    assert second.stopped  # still broken, still nothing lost
    status = broken.status()
    assert (status.pending, status.failed) == (3, 0)
    # Reported once for the run, not once per message.
    assert [e.kind for e in status.last_errors] == ["delivery"]
    assert says in status.run_problem
    with engine.connect() as conn:
        attempts = conn.execute(sa.select(outbox_messages.c.attempts)).scalars().all()
    assert attempts == [0, 0, 0]

    fixed = make_mail()  # the owner fixes the config
    assert fixed.deliver().sent == 3
    assert len(fixed.inbox.messages) == 3
    assert fixed.status().run_problem == "" and fixed.status().last_errors == ()


def test_server_down_keeps_messages_pending_and_says_so(
    engine: sa.Engine, clock: FrozenClock
) -> None:
    settings = smtp_settings(_free_port(), timeout_seconds=2.0)
    outbox = Outbox(engine, clock, settings)
    outbox.enqueue([sample_notification("ship_soon")], sample_shop("en"))
    report = outbox.deliver(SmtpTransport(settings), settings)
    assert report.retried == 0 and "cannot connect to SMTP server" in report.stopped
    status = outbox.status("nordic-living")
    assert status.pending == 1 and "Connection refused" in status.run_problem


def test_requeue_sends_a_failed_message_again_once(mail: Mail) -> None:
    mail.outbox.enqueue([sample_notification("ship_soon")], mail.shop)
    mail.inbox.replies.append("550 5.7.1 Blocked for now")
    assert mail.deliver().failed == 1

    [entry] = mail.outbox.sent_for_order(mail.shop.name, "#1042")
    result = mail.outbox.requeue_messages(all_failed=True, shop=mail.shop.name)
    assert result.requeued == (entry.id,)
    assert mail.deliver().sent == 1
    assert mail.outbox.requeue_messages(ids=[entry.id]).refused == (
        (entry.id, "it is sent, not failed or unconfirmed"),
    )
    assert len(mail.inbox.messages) == 1
