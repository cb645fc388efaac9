"""Fixtures for the email tests: a state database with the outbox tables, a real SMTP server."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from connector.clock import FrozenClock
from connector.db.migrations import m0100_outbox, m0101_outbox_claims
from connector.notify.outbox import DeliveryReport, Outbox, OutboxStatus
from connector.notify.samples import sample_shop
from connector.notify.transports import SmtpTransport
from connector.settings import EmailSettings, ShopSettings


def make_engine(url: str) -> sa.Engine:
    engine = sa.create_engine(url)
    # The outbox's own migration builds its tables, exactly as the runner would.
    with engine.begin() as conn:
        m0100_outbox.upgrade(conn)
        m0101_outbox_claims.upgrade(conn)
    return engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'state.db'}")
    yield engine
    engine.dispose()


@dataclass
class Inbox:
    """What the SMTP server accepted, parsed with the stdlib email package."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    """Queued answers to give instead of accepting (``451 ...``, ``550 ...``), one per message."""
    after_body: list[str] = field(default_factory=list)
    """Queued misbehaviours once the whole body arrived, one per message: ``drop`` closes the
    connection, ``stall`` never answers. The message counts as received either way (the server
    has it; the client cannot know)."""
    refuse: dict[str, str] = field(default_factory=dict)
    """Recipient address -> reply to RCPT TO (``550 5.1.1 No such user``)."""

    def by_recipient(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


class _Handler:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.inbox.refuse:
            return self.inbox.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.inbox.replies:
            return self.inbox.replies.pop(0)
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.inbox.messages.append(parsed)
        self.inbox.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        misbehaviour = self.inbox.after_body.pop(0) if self.inbox.after_body else ""
        if misbehaviour == "drop":
            server.transport.close()
        elif misbehaviour == "stall":
            await asyncio.sleep(3)  # longer than the client's timeout in these tests
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    """A real aiosmtpd server on 127.0.0.1 and a free port; yields (inbox, port)."""
    inbox = Inbox()
    controller = Controller(_Handler(inbox), hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def smtp_settings(port: int, **overrides: object) -> EmailSettings:
    values: dict[str, object] = {
        "transport": "smtp",
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_security": "none",
        "from_address": "orders@nordic-living.example.com",
        "timeout_seconds": 5.0,
        "unsubscribe_url": "https://nordic-living.example.com/unsubscribe",
    }
    values.update(overrides)
    return EmailSettings(**values)  # type: ignore[arg-type]


@dataclass
class Mail:
    """One shop's outbox wired to the real SMTP server: what most tests need."""

    inbox: Inbox
    settings: EmailSettings
    outbox: Outbox
    clock: FrozenClock
    shop: ShopSettings

    def deliver(self, transport: SmtpTransport | None = None) -> DeliveryReport:
        return self.outbox.deliver(transport or SmtpTransport(self.settings), self.settings)

    def status(self) -> OutboxStatus:
        return self.outbox.status(self.shop.name)


MakeMail = Callable[..., Mail]


@pytest.fixture
def make_mail(engine: sa.Engine, clock: FrozenClock, smtp_server: tuple[Inbox, int]) -> MakeMail:
    """``make_mail(locale="en", **email_overrides)``: a :class:`Mail` against the test server."""
    inbox, port = smtp_server

    def make(locale: str = "en", **overrides: object) -> Mail:
        settings = smtp_settings(port, **overrides)
        return Mail(inbox, settings, Outbox(engine, clock, settings), clock, sample_shop(locale))

    return make


@pytest.fixture
def mail(make_mail: MakeMail) -> Mail:
    return make_mail()
