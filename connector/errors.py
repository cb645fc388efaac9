"""One error tree for the whole connector, grouped by what the caller must do.

::

    ConnectorError                  anything the connector raises on purpose
    ├── ConfigError                 fix the config; carries every problem found (.problems)
    ├── UsageError                  bad command-line use (exit code 2)
    ├── RetryableError              try again later: throttled, 429, 5xx, timeout, reset
    │   └── RateLimited             the platform asked us to wait (.retry_after seconds)
    ├── FatalError                  give up on this shop until a person acts
    │   ├── AuthError               credentials refused or revoked (401, app uninstalled)
    │   └── PermissionDenied        a needed scope or permission is missing (403)
    ├── SkippableError              this one item is bad; record it with its reason and go on
    │   └── PayloadError            a platform payload that does not fit the model
    └── PlatformError               mixin-like base data for errors a platform answered with

Errors a platform answered with carry ``platform``, ``status``, ``request_id``, ``code`` and a short
``body`` (never a secret). :class:`PlatformRetryable`, :class:`PlatformFatal` and
:class:`PlatformItemError` combine that data with the action.

A store owner sees ``str(error)``: one clear line. ``--debug`` shows the traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "AuthError",
    "ConfigError",
    "ConfigProblem",
    "ConnectorError",
    "FatalError",
    "PayloadError",
    "PermissionDenied",
    "PlatformDetails",
    "PlatformFatal",
    "PlatformItemError",
    "PlatformRetryable",
    "RateLimited",
    "RetryableError",
    "SkippableError",
    "UsageError",
]


class ConnectorError(Exception):
    """Root of every error the connector raises on purpose."""


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One problem in a config file: the dotted key (with the shop when it is in one) and what is wrong."""

    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


class ConfigError(ConnectorError):
    """The config is wrong. ``problems`` lists every problem found, all at once."""

    def __init__(self, problems: Sequence[ConfigProblem], source: str = "") -> None:
        self.problems = tuple(problems)
        self.source = source
        lines = "\n".join(f"  {p}" for p in self.problems)
        where = f" in {source}" if source else ""
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{count} config {noun}{where}:\n{lines}")


class UsageError(ConnectorError):
    """The command line was used wrongly."""


class RetryableError(ConnectorError):
    """A temporary failure: the same call may succeed later."""


class RateLimited(RetryableError):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FatalError(ConnectorError):
    """Stop working on this shop until a person acts."""


class AuthError(FatalError):
    """Credentials were refused or revoked."""


class PermissionDenied(FatalError):
    """A scope or permission the connector needs was not granted."""


class SkippableError(ConnectorError):
    """This one item cannot be handled; record it with the reason and carry on with the rest."""


class PayloadError(SkippableError):
    """A platform payload does not fit the common model."""


@dataclass(frozen=True, slots=True)
class PlatformDetails:
    """What a platform said, kept short and free of secrets."""

    platform: str
    status: int | None = None
    request_id: str | None = None
    code: str | None = None
    body: str = ""

    def describe(self) -> str:
        parts = [self.platform]
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.code:
            parts.append(self.code)
        if self.request_id:
            parts.append(f"request {self.request_id}")
        return ", ".join(parts)


class _PlatformMixin:
    details: PlatformDetails

    def _init_details(self, message: str, details: PlatformDetails) -> str:
        self.details = details
        return f"{message} ({details.describe()})"


class PlatformRetryable(_PlatformMixin, RetryableError):
    def __init__(self, message: str, details: PlatformDetails, retry_after: float | None = None):
        super().__init__(self._init_details(message, details))
        self.retry_after = retry_after


class PlatformFatal(_PlatformMixin, FatalError):
    def __init__(self, message: str, details: PlatformDetails) -> None:
        super().__init__(self._init_details(message, details))


class PlatformItemError(_PlatformMixin, SkippableError):
    def __init__(self, message: str, details: PlatformDetails) -> None:
        super().__init__(self._init_details(message, details))
