"""Where rendered messages go: an SMTP server, a folder of ``.eml`` files, or nowhere (dry run).

Every transport answers two questions for the outbox:

* :meth:`Transport.send`: hand over one message; return only once the other side accepted it, raise
  :class:`TemporaryDeliveryError` (try again later) or :class:`PermanentDeliveryError` (never will);
* :meth:`Transport.was_delivered`: after a crash, did a message with this Message-ID get accepted?
  ``True``/``False`` when the transport can tell (the folder checks its file), ``None`` when it cannot
  (SMTP gives no way to ask a server what it accepted earlier).
"""

from __future__ import annotations

import logging
import os
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
    "make_transport",
]

log = logging.getLogger(__name__)


class TemporaryDeliveryError(RetryableError):
    """The server or the network failed for now (4xx reply, timeout, reset): retry with backoff."""


class PermanentDeliveryError(SkippableError):
    """The server refused this message for good (5xx reply): record the reason, do not retry."""


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
            raise TemporaryDeliveryError(f"cannot write to {self.folder}: {error}") from error

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
        try:
            if self._connection is None:
                self._connection = self._connect()
            refused = self._connection.send_message(message, from_addr=sender, to_addrs=recipients)
        except smtplib.SMTPRecipientsRefused as error:
            self._raise_for_codes(
                [code for code, _ in error.recipients.values()], str(error.recipients)
            )
        except smtplib.SMTPAuthenticationError as error:
            self.close()
            raise PermanentDeliveryError(
                f"SMTP login refused: {error.smtp_code} {_text(error.smtp_error)}"
            ) from error
        except smtplib.SMTPResponseException as error:
            self.close()
            self._raise_for_codes([error.smtp_code], f"{error.smtp_code} {_text(error.smtp_error)}")
        except smtplib.SMTPNotSupportedError as error:
            self.close()
            raise PermanentDeliveryError(f"SMTP server does not support it: {error}") from error
        except (smtplib.SMTPException, OSError) as error:
            # Disconnects, timeouts, resets, refused connections, TLS trouble: all worth another try.
            self.close()
            raise TemporaryDeliveryError(f"SMTP {type(error).__name__}: {error}") from error
        if refused:
            codes = [code for code, _ in refused.values()]
            self._raise_for_codes(codes, f"some recipients refused: {refused}")

    @staticmethod
    def _raise_for_codes(codes: list[int], detail: str) -> None:
        if any(400 <= code < 500 for code in codes):
            raise TemporaryDeliveryError(f"SMTP temporary failure: {detail}")
        raise PermanentDeliveryError(f"SMTP refused: {detail}")

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
