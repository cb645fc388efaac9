"""Where rendered messages go: an SMTP server, a folder of ``.eml`` files, or nowhere (dry run).

Every transport answers two questions for the outbox:

* :meth:`Transport.send`: hand over one message; return only once the other side accepted it, or
  raise one of the four delivery errors below, chosen by *when* it failed:

  ===========================  =================================================================
  :class:`TransportUnavailable`  cannot reach, greet, secure or log in to the server, or the sender
                                 is refused: a problem of the whole run (stop it, keep rows pending)
  :class:`TemporaryDeliveryError`  this message, before the body went (4xx, dropped connection):
                                 retry it later, nothing was handed over
  :class:`PermanentDeliveryError`  this recipient or this message was refused (5xx): do not retry
  :class:`UnconfirmedDeliveryError`  the body went but no answer came back (timeout, disconnect
                                 waiting for the reply to DATA): it may have been accepted, so it
                                 must never be resent automatically
  ===========================  =================================================================

* :meth:`Transport.was_delivered`: after a crash, did a message with this Message-ID get accepted?
  ``True``/``False`` when the transport can tell (the folder checks its file), ``None`` when it cannot
  (SMTP gives no way to ask a server what it accepted earlier).
"""

from __future__ import annotations

import email.generator
import io
import logging
import os
import re
import smtplib
import ssl
import tempfile
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from connector.errors import ConfigError, ConfigProblem, RetryableError, SkippableError
from connector.settings import EmailSettings

__all__ = [
    "DryRunTransport",
    "FolderTransport",
    "PermanentDeliveryError",
    "SmtpTransport",
    "TemporaryDeliveryError",
    "Transport",
    "TransportUnavailable",
    "UnconfirmedDeliveryError",
    "make_transport",
]

log = logging.getLogger(__name__)


class TemporaryDeliveryError(RetryableError):
    """The server or the network failed for now (4xx reply, timeout, reset): retry with backoff."""


class PermanentDeliveryError(SkippableError):
    """The server refused this recipient or message for good (5xx reply): record it, do not retry."""


class UnconfirmedDeliveryError(SkippableError):
    """The message body was handed over but the server's answer never came: it may have gone.

    Resending could mail the customer twice, so the row is parked as ``unconfirmed`` for a person.
    """


class TransportUnavailable(RetryableError):
    """The transport cannot send anything right now (connection, TLS, login, sender refused).

    A problem of the run, not of a message: the outbox stops the run, leaves every row pending
    without counting an attempt, and records the error once for ``connector status``.
    """


class Transport(Protocol):
    """What the outbox needs from a way of sending mail."""

    name: str

    def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> None:
        """Deliver ``message``; return only once it was accepted."""

    def was_delivered(self, message_id: str) -> bool | None:
        """Whether a message with this Message-ID was accepted earlier; None when unknowable."""

    def close(self) -> None:
        """Release connections; the transport may be used again afterwards."""


def _file_name(message_id: str) -> str:
    # The Message-ID is <hex@domain>; the hex part is unique per outbox row and safe in a path.
    local = message_id.strip("<>").split("@", 1)[0]
    return "".join(ch for ch in local if ch.isalnum() or ch in "-_.") + ".eml"


class FolderTransport:
    """Writes each message to ``<folder>/<message-id>.eml`` (the demo default; open them in any client).

    The file is written under a temporary name and renamed into place, so a file that exists is a
    whole message: that is what :meth:`was_delivered` relies on.
    """

    name = "folder"

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def path_for(self, message_id: str) -> Path:
        return self.folder / _file_name(message_id)

    def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            target = self.path_for(str(message["Message-ID"]))
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".eml")
            with os.fdopen(handle, "wb") as stream:
                stream.write(message.as_bytes())
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, target)
        except OSError as error:
            # A folder we cannot write to fails every message alike: stop the run, keep them pending.
            raise TransportUnavailable(f"cannot write to {self.folder}: {error}") from error

    def was_delivered(self, message_id: str) -> bool | None:
        return self.path_for(message_id).exists()

    def close(self) -> None:
        return None


class DryRunTransport:
    """Sends nothing; logs one line per message and remembers what it would have sent."""

    name = "dry-run"

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> None:
        log.info("dry-run: would send %r to %s", message["Subject"], ", ".join(recipients))
        self.sent.append(message)

    def was_delivered(self, message_id: str) -> bool | None:
        return any(str(message["Message-ID"]) == message_id for message in self.sent) or None

    def close(self) -> None:
        return None


class SmtpTransport:
    """SMTP with STARTTLS, implicit TLS or plain, optional login, a timeout on every socket operation.

    One connection is opened lazily and reused for a whole delivery run; any connection trouble drops
    it, so the next message starts afresh.
    """

    name = "smtp"

    def __init__(self, settings: EmailSettings, ssl_context: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        self.ssl_context = ssl_context or ssl.create_default_context()
        self._connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        connection: smtplib.SMTP
        if settings.smtp_security == "ssl":
            connection = smtplib.SMTP_SSL(
                settings.smtp_host,
                settings.smtp_port,
                timeout=settings.timeout_seconds,
                context=self.ssl_context,
            )
        else:
            connection = smtplib.SMTP(
                settings.smtp_host, settings.smtp_port, timeout=settings.timeout_seconds
            )
        try:
            connection.ehlo()
            if settings.smtp_security == "starttls":
                connection.starttls(context=self.ssl_context)
                connection.ehlo()
            if settings.smtp_username:
                password = settings.smtp_password.reveal() if settings.smtp_password else ""
                connection.login(settings.smtp_username, password)
        except BaseException:
            connection.close()
            raise
        return connection

    def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> None:
        connection = self._open()
        body = _wire_bytes(message)
        try:
            self._envelope(connection, sender, recipients, body)
            code, reply = connection.docmd("DATA")
        except (smtplib.SMTPException, OSError) as error:
            # Nothing of the message went yet: another try later cannot duplicate it.
            self.close()
            raise TemporaryDeliveryError(f"SMTP {type(error).__name__}: {error}") from error
        if code != 354:
            self._reset(connection)
            _raise_for_reply(code, reply, "DATA")
        try:
            connection.send(body)
            code, reply = connection.getreply()
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise UnconfirmedDeliveryError(
                f"the SMTP server got the message but did not answer ({type(error).__name__}: "
                f"{error}); it may have accepted it"
            ) from error
        if code != 250:
            # A definite refusal after the body: the server says it did not take it.
            _raise_for_reply(code, reply, "end of message")

    def _open(self) -> smtplib.SMTP:
        if self._connection is not None:
            return self._connection
        settings = self.settings
        where = f"{settings.smtp_host}:{settings.smtp_port}"
        try:
            self._connection = self._connect()
        except smtplib.SMTPAuthenticationError as error:
            raise TransportUnavailable(
                f"SMTP login to {where} refused: {error.smtp_code} {_text(error.smtp_error)}"
            ) from error
        except smtplib.SMTPNotSupportedError as error:
            raise TransportUnavailable(
                f"SMTP server {where} does not support it: {error}"
            ) from error
        except (smtplib.SMTPException, OSError) as error:
            raise TransportUnavailable(
                f"cannot connect to SMTP server {where} ({settings.smtp_security}): "
                f"{type(error).__name__}: {error}"
            ) from error
        return self._connection

    def _envelope(
        self, connection: smtplib.SMTP, sender: str, recipients: list[str], body: bytes
    ) -> None:
        """MAIL FROM and RCPT TO; raises the error the refusal calls for."""
        options = ["BODY=8BITMIME"] if connection.has_extn("8bitmime") and _is_8bit(body) else []
        code, reply = connection.mail(sender, options)
        if code != 250:
            self._reset(connection)
            # The sender is the same for every message: a refusal stops the whole run.
            raise TransportUnavailable(
                f"SMTP server refused sender {sender}: {code} {_text(reply)}"
            )
        refused: dict[str, tuple[int, bytes]] = {}
        for recipient in recipients:
            code, reply = connection.rcpt(recipient)
            if code not in (250, 251):
                refused[recipient] = (code, reply)
        if len(refused) == len(recipients):
            self._reset(connection)
            codes = [code for code, _ in refused.values()]
            detail = "; ".join(f"{r}: {c} {_text(t)}" for r, (c, t) in refused.items())
            if any(400 <= code < 500 for code in codes):
                raise TemporaryDeliveryError(f"SMTP recipient deferred: {detail}")
            raise PermanentDeliveryError(f"SMTP recipient refused: {detail}")

    def _reset(self, connection: smtplib.SMTP) -> None:
        try:
            connection.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def was_delivered(self, message_id: str) -> bool | None:
        return None

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _raise_for_reply(code: int, reply: bytes, step: str) -> None:
    detail = f"{code} {_text(reply)}"
    if 400 <= code < 500:
        raise TemporaryDeliveryError(f"SMTP temporary failure at {step}: {detail}")
    raise PermanentDeliveryError(f"SMTP refused at {step}: {detail}")


_LEADING_DOT = re.compile(rb"(?m)^\.")


def _wire_bytes(message: EmailMessage) -> bytes:
    """The message as DATA sends it: CRLF lines, leading dots doubled, ending in ``CRLF.CRLF``."""
    with io.BytesIO() as buffer:
        generator = email.generator.BytesGenerator(
            buffer, policy=message.policy.clone(linesep="\r\n")
        )
        generator.flatten(message, linesep="\r\n")
        flat = buffer.getvalue()
    flat = _LEADING_DOT.sub(b"..", flat)
    if not flat.endswith(b"\r\n"):
        flat += b"\r\n"
    return flat + b".\r\n"


def _is_8bit(body: bytes) -> bool:
    return any(byte > 127 for byte in body)


def make_transport(settings: EmailSettings) -> Transport:
    """The transport ``EmailSettings.transport`` names (``smtp``, ``folder`` or ``dry-run``)."""
    if settings.transport == "smtp":
        return SmtpTransport(settings)
    if settings.transport == "folder":
        return FolderTransport(settings.folder)
    if settings.transport == "dry-run":
        return DryRunTransport()
    raise ConfigError(
        [ConfigProblem("email.transport", f"unknown transport {settings.transport!r}")]
    )
