"""The one clock. Everything that needs the time takes a :data:`Clock`, so tests never patch datetime.

Production code reads the wall clock here and nowhere else (:func:`system_clock`). Two kinds of time
are deliberately *not* business time and stay outside this module, each for a reason:

* durations and back-off (``time.monotonic`` in the retry function, the throttle pacers and the
  sandbox's leaky bucket): they measure elapsed seconds, which a fixed business clock must not stop;
* timestamps another machine checks against its own clock (WooCommerce's OAuth ``oauth_timestamp``,
  lease expiry on PostgreSQL via :func:`connector.lease.database_clock`): a clock moved for
  planning would make the shop refuse the signature, or let one daemon steal another's lease.

Support engineers (and tests) run any command at a fixed instant with the hidden ``--now`` option
or the ``CONNECTOR_NOW`` environment variable; :func:`parse_instant` reads both (docs/support.md).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

Clock = Callable[[], datetime]
"""A function returning the current time as an aware UTC datetime."""

NOW_ENV = "CONNECTOR_NOW"
"""The environment variable that fixes the CLI's clock (same as the hidden ``--now`` option)."""


def system_clock() -> datetime:
    return datetime.now(UTC)


def parse_instant(text: str) -> datetime:
    """An ISO date or date-time as an aware UTC datetime; a date means its midnight UTC, a
    date-time without an offset is read as UTC. Raises ValueError naming what it got."""
    value = text.strip()
    try:
        if len(value) == 10:
            moment = datetime.combine(date.fromisoformat(value), time(0), UTC)
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"wants an ISO date or time such as 2026-12-04 or 2026-12-04T09:30:00+01:00, "
            f"got {text!r}"
        ) from None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


class FrozenClock:
    """A clock for tests, simulations, the demo and ``--now``: it moves only when told to."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def __call__(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment.astimezone(UTC)


Sleep = Callable[[float], None]
"""Waits that many seconds; pacing and back-off take one, so tests never wait for real."""


class VirtualTimer:
    """Monotonic seconds and a sleep that only moves them, for pacing and back-off in tests:
    ``Pacer(rate, monotonic=timer.monotonic, sleep=timer.sleep)`` paces without real waits, and
    :attr:`slept` shows every wait it asked for."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += max(0.0, seconds)

    def advance(self, seconds: float) -> None:
        """Time passing without a wait of ours (the store taking its time to answer)."""
        self.now += seconds
