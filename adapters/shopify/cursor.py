"""The sync cursor: per stream, the newest ``updated_at`` committed and what was seen near it.

Reads ask for ``updated_at:>='since - overlap'`` (Shopify's search index can lag behind a write),
and de-duplicate the overlap with ``seen`` (id -> updated_at), so an object is emitted again only
when it really changed. The cursor is an opaque string: ``shopify1:`` + base64 JSON.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from connector.model import utc

__all__ = ["Cursor", "StreamState", "WindowCheck", "iso", "parse_iso"]

PREFIX = "shopify1:"
MAX_SEEN = 5000
"""Enough to de-duplicate a busy overlap window; beyond it, repeats are allowed (upserts)."""


def iso(moment: datetime) -> str:
    """``moment`` as Shopify writes and searches timestamps: UTC, whole seconds, ``Z``."""
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    """A timestamp :func:`iso` wrote, or Shopify's own, as an aware UTC datetime."""
    return utc(datetime.fromisoformat(text.replace("Z", "+00:00")))


@dataclass(frozen=True)
class WindowCheck:
    """The overlap window of an order read: a part to list, a part to count (None: no such part)."""

    listed: str | None
    counted: str | None
    expected: int
    """Orders of ``seen`` in the ``counted`` part: a count that differs has that part listed."""


@dataclass
class StreamState:
    since: str | None = None
    seen: dict[str, str] = field(default_factory=dict)
    read_at: str | None = None
    """When the read that produced ``since`` started (our clock)."""

    def search(self, overlap: int) -> str | None:
        """The ``query:`` filter for the next read, or None for everything.

        Objects may show up in search up to ``overlap`` seconds late, so anything updated after
        ``read_at - overlap`` is read again (and de-duplicated with ``seen``). When the last read
        started more than ``overlap`` after ``since``, nothing can be missing at or before
        ``since``, and a quiet shop answers an empty page.
        """
        bounds = self._window(overlap)
        if bounds is None:
            return self.fresh_search()
        return f"updated_at:>='{iso(bounds[0])}'"

    def fresh_search(self) -> str | None:
        """What changed after ``since`` (None: everything). With the overlap window of
        :meth:`split_window` it asks for the same objects :meth:`search` asks for, in two parts:
        the window holds mostly what was read already, so a caller can ask it for ids and stamps
        only and re-read in full just the ones whose stamp is not in ``seen``."""
        return None if self.since is None else f"updated_at:>'{iso(parse_iso(self.since))}'"

    def _window(self, overlap: int) -> tuple[datetime, datetime] | None:
        """(start, since) of the overlap window still to check, or None when there is none."""
        if self.since is None:
            return None
        since = parse_iso(self.since)
        settled = parse_iso(self.read_at) - timedelta(seconds=overlap) if self.read_at else None
        if settled is not None and settled >= since:
            return None
        start = min(since, settled) if settled is not None else since - timedelta(seconds=overlap)
        return start, since

    def split_window(self, overlap: int, now: datetime, page: int) -> WindowCheck:
        """How to check the overlap window of :meth:`fresh_search`, for a read starting ``now``.

        A stamp at or before ``now - overlap`` is in search by now, and this is the last read whose
        window holds it: that part is listed (ids and stamps) and compared with ``seen``. The part
        search may still be indexing comes back in the next read's window; it is only counted now,
        and listed too if the count is not what ``seen`` expects there. So a window full of orders
        read already (a thousand our own writes touched) costs no page until it settles, and is
        listed once then. A window whose known orders fit one ``page`` is listed whole, as before.
        """
        bounds = self._window(overlap)
        if bounds is None:
            return WindowCheck(None, None, 0)
        start, since = bounds
        window = f"updated_at:>='{iso(start)}' AND updated_at:<='{iso(since)}'"
        settle = parse_iso(iso(now - timedelta(seconds=overlap)))  # whole seconds, as stamps
        lagging = {k for k, v in self.seen.items() if settle < parse_iso(v) <= since}
        if settle >= since or len(lagging) < page:
            return WindowCheck(window, None, 0)
        counted = f"updated_at:>'{iso(settle)}' AND updated_at:<='{iso(since)}'"
        if settle < start:
            return WindowCheck(None, counted, len(lagging))
        listed = f"updated_at:>='{iso(start)}' AND updated_at:<='{iso(settle)}'"
        return WindowCheck(listed, counted, len(lagging))

    def is_new(self, platform_id: str, updated_at: str) -> bool:
        return self.seen.get(platform_id) != updated_at

    def advanced(
        self, items: list[tuple[str, str]], overlap: int, read_at: datetime | None = None
    ) -> StreamState:
        """The state after committing ``items`` ((id, updatedAt) pairs) read from ``read_at`` on."""
        # Without ``read_at`` the read is not over: the window it still owes stays where it was.
        when = iso(read_at) if read_at is not None else self.read_at
        stamps = [self.since] if self.since else []
        stamps += [stamp for _, stamp in items]
        if not stamps:
            return StreamState(self.since, dict(self.seen), when)
        newest = max(stamps, key=parse_iso)
        floor = parse_iso(newest) - timedelta(seconds=overlap)
        seen = {k: v for k, v in self.seen.items() if parse_iso(v) >= floor}
        seen.update({k: v for k, v in items if parse_iso(v) >= floor})
        if len(seen) > MAX_SEEN:
            seen = dict(sorted(seen.items(), key=lambda kv: kv[1])[-MAX_SEEN:])
        return StreamState(iso(parse_iso(newest)), seen, when)


@dataclass
class Cursor:
    streams: dict[str, StreamState] = field(default_factory=dict)

    def get(self, name: str) -> StreamState:
        return self.streams.get(name) or StreamState()

    def with_stream(self, name: str, state: StreamState) -> Cursor:
        return Cursor({**self.streams, name: state})

    def encode(self) -> str:
        raw = {
            name: {"since": s.since, "seen": s.seen, "read_at": s.read_at}
            for name, s in self.streams.items()
        }
        text = json.dumps(raw, separators=(",", ":"), sort_keys=True)
        return PREFIX + base64.urlsafe_b64encode(text.encode()).decode()

    @classmethod
    def decode(cls, text: str | None) -> Cursor | None:
        """None for no cursor, or for one we cannot read (a full sync then starts over)."""
        if not text or not text.startswith(PREFIX):
            return None
        try:
            raw = json.loads(base64.urlsafe_b64decode(text[len(PREFIX) :].encode()))
            return cls(
                {
                    name: StreamState(
                        value.get("since"), dict(value.get("seen") or {}), value.get("read_at")
                    )
                    for name, value in raw.items()
                }
            )
        except (ValueError, AttributeError, TypeError):
            return None
