"""Rate limits on the customer page's POST actions (keep waiting, cancel, unsubscribe).

A fixed window per link token and per client address: a customer clicking twice never comes close,
a script replaying one link or walking many from one address is told to wait (429 with
``Retry-After``). Time comes from the one clock (:mod:`connector.clock`), so tests move it.

Counts live in memory, per process: a restart forgets them, and two daemons behind one proxy each
count their own. That is enough to blunt a loop; the actions themselves are idempotent anyway
(one record per order and date), so the limit protects the database and the shop's API, not the
records.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from werkzeug.wrappers import Request

from connector.clock import Clock

__all__ = ["FixedWindow", "PostLimits", "client_address"]

TOKEN_POSTS = 10
"""POSTs one link may make per window: far above what a person clicks."""

ADDRESS_POSTS = 30
"""POSTs one client address may make per window; higher than a token's, because several
customers can share an address (an office, a mobile carrier's NAT)."""

WINDOW = timedelta(minutes=10)

_PRUNE_AT = 10_000
"""Keys kept before expired windows are dropped, so a flood of junk tokens cannot grow memory."""


@dataclass
class FixedWindow:
    """At most ``limit`` hits per key in each ``window``, the window starting at a key's first hit."""

    clock: Clock
    limit: int
    window: timedelta = WINDOW
    _counts: dict[str, tuple[datetime, int]] = field(default_factory=dict)

    def wait(self, key: str) -> timedelta | None:
        """How long ``key`` must wait before its next hit is allowed (None: it may go now)."""
        now = self.clock()
        start, count = self._counts.get(key, (now, 0))
        if now - start >= self.window or count < self.limit:
            return None
        return start + self.window - now

    def hit(self, key: str) -> None:
        """Count one allowed hit for ``key`` (a fresh window when the old one has passed)."""
        now = self.clock()
        if len(self._counts) >= _PRUNE_AT:
            self._counts = {k: v for k, v in self._counts.items() if now - v[0] < self.window}
        start, count = self._counts.get(key, (now, 0))
        if now - start >= self.window:
            start, count = now, 0
        self._counts[key] = (start, count + 1)


class PostLimits:
    """The customer page's two limits, checked together and counted only when both allow."""

    def __init__(
        self,
        clock: Clock,
        *,
        token_posts: int = TOKEN_POSTS,
        address_posts: int = ADDRESS_POSTS,
        window: timedelta = WINDOW,
    ) -> None:
        self.tokens = FixedWindow(clock, token_posts, window)
        self.addresses = FixedWindow(clock, address_posts, window)

    def check(self, token: str, address: str) -> int | None:
        """Seconds to wait (for ``Retry-After``) when refused, else None and the POST is counted.

        A refused POST is not counted, so a client that keeps knocking is not locked out longer
        than the window it already used up.
        """
        waits = [
            w for w in (self.tokens.wait(token), self.addresses.wait(address)) if w is not None
        ]
        if waits:
            return max(1, math.ceil(max(waits).total_seconds()))
        self.tokens.hit(token)
        self.addresses.hit(address)
        return None


def client_address(request: Request, trusted_proxies: tuple[str, ...]) -> str:
    """The client's address: the peer's, or behind a trusted proxy the hop it saw last. The one
    rule for the customer page's limits and the console's login limit and audit log (both from
    ``[console] trusted_proxies``)."""
    peer = request.remote_addr or ""
    if peer in trusted_proxies:
        hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
        if hops[-1]:
            return hops[-1][:100]
    return peer
