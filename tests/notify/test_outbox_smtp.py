"""The outbox against a real SMTP server: what the customer receives, exactly once."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from email.message import EmailMessage

import pytest
import sqlalchemy as sa

from connector.clock import FrozenClock
from connector.model import NotificationKind
from connector.notify.outbox import Outbox
from connector.notify.samples import sample_alternatives, sample_notification, sample_shop
from connector.notify.tables import outbox_messages
from connector.notify.transports import SmtpTransport
from connector.settings import EmailSettings
from tests.notify.conftest import Mail, MakeMail

NBSP = "\xa0"


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


def test_swedish_delay_arrives_as_multipart_with_dates_amounts_and_headers(
    make_mail: MakeMail,
) -> None:
    mail = make_mail("sv")
    delay = sample_notification(NotificationKind.DELAY, "sv-SE", currency="SEK")

    assert (
        mail.outbox.enqueue([delay], mail.shop, {"SOFA-LIN-3": sample_alternatives("sv", "SEK")})
        == 1
    )
    report = mail.deliver()

    assert report.sent == 1
    [message] = mail.inbox.messages
    assert message.get_content_type() == "multipart/alternative"
    text, html = parts(message)
    assert str(message["Subject"]) == "Order #1042: nytt beräknat datum 29 januari 2027"
    for body in (text, html):
        assert "29 januari 2027" in body  # the new date
        assert "18 december 2026" in body  # and the old one
        assert "SORRY-1042-X7Q" in body  # the discount code
        assert "Vi beklagar" in body
    assert "Orsak: Vår leverantörs fabrik" in text  # the sample reason is Swedish too
    assert "Our supplier" not in text
    assert "Oslo fåtölj, havre" in html  # an in-stock alternative is offered
    assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith(
        "@nordic-living.example.com>"
    )
    assert message["From"] == "Nordic Living <orders@nordic-living.example.com>"
    assert message["To"] == "Ada Lovelace <ada@example.com>"
    assert message["Reply-To"] == "help@nordic-living.example.com"
    assert message["List-Unsubscribe"] is None  # only reminders can be unsubscribed from
    assert mail.inbox.envelopes == [("orders@nordic-living.example.com", ["ada@example.com"])]


def test_backorder_confirmation_shows_amounts_in_the_customers_currency(
    make_mail: MakeMail,
) -> None:
    mail = make_mail("sv")
    mail.outbox.enqueue(
        [sample_notification("backorder_confirmation", "sv_SE", currency="SEK")], mail.shop
    )
    mail.deliver()
    text, html = parts(mail.inbox.messages[0])
    # 1 x 1 299,00 + 2 x 89,50 kr wait; the throw ships now and is not counted.
    assert f"1{NBSP}478,00{NBSP}kr" in text
    assert f"1{NBSP}478,00{NBSP}kr" in html
    assert "18 december 2026" in text
    assert "SKICKAS NU" in text


def test_english_reminder_carries_list_unsubscribe(mail: Mail) -> None:
    mail.outbox.enqueue([sample_notification("reminder", None)], mail.shop)
    mail.deliver()
    [message] = mail.inbox.messages
    header = str(message["List-Unsubscribe"])
    assert (
        "<https://nordic-living.example.com/unsubscribe?shop=nordic-living&email=ada%40example.com>"
        in header
    )
    assert "<mailto:help@nordic-living.example.com?subject=" in header
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, _ = parts(message)
    assert "December 18, 2026" in text
    assert "Stop these reminder emails" in text


def test_rerunning_the_cycle_and_delivery_sends_nothing_twice(mail: Mail) -> None:
    batch = [sample_notification(kind) for kind in NotificationKind]

    assert mail.outbox.enqueue(batch, mail.shop) == len(batch)
    assert mail.outbox.enqueue(batch, mail.shop) == 0  # the same cycle again: every key exists
    first = mail.deliver()
    mail.clock.advance(timedelta(hours=2))
    assert mail.outbox.enqueue(batch, mail.shop) == 0
    second = mail.deliver()

    assert first.sent == len(batch) and second.sent == 0
    ids = [m["Message-ID"] for m in mail.inbox.messages]
    assert len(ids) == len(set(ids)) == len(batch)
    assert mail.status().sent == len(batch)


class SimulatedCrash(BaseException):
    """Stands for the process dying (kill -9): not an Exception, so nothing in deliver catches it."""


class CrashAfterAccept(SmtpTransport):
    """Hands the message to the real server, which accepts it, then dies before the DB update."""

    def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> None:
        super().send(message, sender, recipients)
        raise SimulatedCrash


def test_crash_between_smtp_accept_and_db_update_sends_nothing_twice(mail: Mail) -> None:
    mail.outbox.enqueue([sample_notification("delay"), sample_notification("ship_soon")], mail.shop)

    with pytest.raises(SimulatedCrash):
        mail.deliver(CrashAfterAccept(mail.settings))
    assert len(mail.inbox.messages) == 1

    # Rerun at once (the row is still claimed) and again after the stale window has passed.
    mail.deliver()
    mail.clock.advance(Outbox.stale_after(mail.settings) + timedelta(seconds=1))
    later = mail.deliver()

    subjects = [str(m["Subject"]) for m in mail.inbox.messages]
    assert len(subjects) == len(set(subjects)) == 2  # the crashed one once, the other once
    assert later.unconfirmed == 1
    status = mail.status()
    assert (status.sent, status.unconfirmed, status.pending) == (1, 1, 0)
    assert "may or may not have gone" in status.last_errors[0].error


def test_temporary_failure_is_retried_later_with_backoff(mail: Mail, engine: sa.Engine) -> None:
    mail.outbox.enqueue([sample_notification("ship_soon")], mail.shop)
    mail.inbox.replies.append("451 4.3.0 Mailbox busy, try again")

    first = mail.deliver()
    again_now = mail.deliver()
    assert (first.retried, again_now.sent, len(mail.inbox.messages)) == (1, 0, 0)
    status = mail.status()
    assert status.pending == 1 and "451" in status.last_errors[0].error
    with engine.connect() as conn:
        next_at = conn.execute(sa.select(outbox_messages.c.next_attempt_at)).scalar_one()
    assert next_at >= mail.clock() + timedelta(seconds=60)

    mail.clock.advance(timedelta(hours=1))
    assert mail.deliver().sent == 1
    assert len(mail.inbox.messages) == 1


def test_permanent_failure_is_recorded_with_the_reason_and_not_retried(mail: Mail) -> None:
    mail.outbox.enqueue([sample_notification("ship_soon")], mail.shop)
    mail.inbox.replies.append("550 5.1.1 No such user here")

    report = mail.deliver()
    mail.clock.advance(timedelta(days=1))
    mail.deliver()

    assert report.failed == 1 and not mail.inbox.messages
    status = mail.status()
    assert status.failed == 1
    assert "550" in status.last_errors[0].error and "No such user" in status.last_errors[0].error
    [entry] = mail.outbox.sent_for_order(mail.shop.name, "#1042")
    assert entry.status == "failed" and entry.sent_at is None


def test_hourly_cap_holds_the_rest_for_the_next_hour(make_mail: MakeMail) -> None:
    mail = make_mail(hourly_cap=2)
    batch = [
        replace(sample_notification("ship_soon"), order_id=f"o{n}", order_number=f"#{n}")
        for n in range(5)
    ]
    assert mail.outbox.enqueue(batch, mail.shop) == 5

    first = mail.deliver()
    mail.clock.advance(timedelta(minutes=30))
    second = mail.deliver()
    mail.clock.advance(timedelta(minutes=31))
    third = mail.deliver()

    assert (first.sent, first.capped) == (2, 3)
    assert second.sent == 0
    assert third.sent == 2
    assert len(mail.inbox.messages) == 4


def test_unsubscribed_customer_gets_no_reminders_but_still_gets_the_rest(mail: Mail) -> None:
    mail.outbox.enqueue([sample_notification("reminder")], mail.shop)
    mail.outbox.unsubscribe(mail.shop.name, "Ada@Example.com", source="list-unsubscribe")
    mail.outbox.enqueue([sample_notification("ship_soon")], mail.shop)

    report = mail.deliver()

    assert report.suppressed == 1 and report.sent == 1
    assert [str(m["X-Connector-Kind"]) for m in mail.inbox.messages] == ["ship_soon"]
    entries = mail.outbox.sent_for_order(mail.shop.name, "gid://shopify/Order/1042")
    assert {e.kind: e.status for e in entries} == {"reminder": "suppressed", "ship_soon": "sent"}


def test_a_notification_without_an_address_is_recorded_not_lost(
    engine: sa.Engine, clock: FrozenClock
) -> None:
    outbox = Outbox(engine, clock, EmailSettings())
    outbox.enqueue([sample_notification("delay", email="")], sample_shop("en"))
    status = outbox.status("nordic-living")
    assert status.failed == 1 and status.last_errors[0].error == "no email address to send to"
    with engine.connect() as conn:
        payload = json.loads(conn.execute(sa.select(outbox_messages.c.payload)).scalar_one())
    assert payload["kind"] == "delay" and payload["lines"][0]["sku"] == "SOFA-LIN-3"


def test_a_reminder_enqueued_after_an_unsubscribe_is_stored_suppressed(mail: Mail) -> None:
    mail.outbox.unsubscribe(mail.shop.name, " Ada@Example.com ", source="support")
    assert mail.outbox.is_unsubscribed(mail.shop.name, "ADA@example.com")

    assert mail.outbox.enqueue([sample_notification("reminder")], mail.shop) == 1
    report = mail.deliver()

    assert report.sent == 0 and not mail.inbox.messages
    [entry] = mail.outbox.sent_for_order(mail.shop.name, "#1042")
    assert (entry.kind, entry.status) == ("reminder", "suppressed")
    assert entry.last_error == "unsubscribed from reminders"
    assert mail.status().suppressed == 1


def test_a_digest_without_an_address_goes_to_the_owner(make_mail: MakeMail) -> None:
    mail = make_mail(owner_email="owner@nordic-living.example.com")
    digest = replace(sample_notification("digest"), email="", name="Nordic Living")

    assert mail.outbox.enqueue([digest], mail.shop) == 1
    assert mail.deliver().sent == 1

    [message] = mail.inbox.messages
    assert message["To"] == "Nordic Living <owner@nordic-living.example.com>"
    assert mail.inbox.envelopes == [
        ("orders@nordic-living.example.com", ["owner@nordic-living.example.com"])
    ]
