"""Incremental order reads: what changed after the cursor in full, its overlap window by stamps.

Search may index a write late, so each read looks again at the ``overlap_seconds`` before the
newest change it committed. Read in full, that window cost a page per 23 orders on every cycle that
came within the overlap of the last change: after the connector's own writes (holds, tags) touched
a few hundred orders, a quiet cycle made ten calls. The window is now asked for ids and
``updatedAt`` only (250 a page, in the same call as the first page of changes), and only orders
whose stamp is not the one already read are re-read in full, by id.

Our own writes to a thousand orders put a thousand stamps in that window, four pages on every
cycle inside it. So a window that knows more orders than a page is split where it settles
(``StreamState.split_window``): what search must have indexed by now is listed, once, as this is
the last read whose window holds it; the rest is counted in the first call (1 point) and listed
too only if the count is not what was read. The count is never what makes a read complete: a
change it cannot tell (an order read already whose stamp moved inside the window) is found when
its part settles and is listed, as before, within ``overlap_seconds``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from adapters.shopify.cursor import Cursor, StreamState, WindowCheck
from adapters.shopify.fulfillment import next_page
from adapters.shopify.sizing import Sizer
from connector.model import Order, SkippedPayload
from connector.platform import ChangePage, Resource

if TYPE_CHECKING:
    from adapters.shopify.reading import Reader

__all__ = ["IDS_PER_CALL", "OrderChanges"]

IDS_PER_CALL = 10
"""Orders re-read by id per call (``OrdersByIds``): about 390 points requested."""
WINDOW_PAGE = 250
"""Window stamps per page: a window that knows this many orders still indexing is counted."""


class OrderChanges:
    """Reads the order stream of a cursor; one per :class:`Reader`, as it learns page sizes."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        client = reader.client
        # An order in full asks about 39 points (5 lines, 5 fulfillment orders, money refunded):
        # 23 stay under 90% of 1000; with a window page of stamps (252 points) beside it, 16.
        self.alone = Sizer(client, (23,))
        self.with_window = Sizer(client, (16, 250))
        self.window_only = Sizer(client, (250,))

    def read(self, cursor: Cursor) -> Iterator[ChangePage]:
        reader = self.reader
        overlap = reader.shop.overlap_seconds
        read_at = reader.clock()
        state = known = cursor.get("orders")
        fresh_query = state.fresh_search()
        check = state.split_window(overlap, read_at, WINDOW_PAGE)
        # The window's parts to list, in turn; a count that is not what was read adds its part.
        windows = [check.listed] if check.listed else []
        window_query = windows.pop(0) if windows else None
        going = {"orders": True, "window": window_query is not None}
        after: dict[str, str | None] = {"orders": None, "window": None}
        stale: dict[str, str] = {}  # window orders whose stamp is not the one read
        moved: set[str] = set()  # orders met among the changes (their window stamp is old news)
        pending: ChangePage | None = None
        first = True
        threshold = reader.shop.bulk_changes_threshold
        count = fresh_query is not None  # an incremental read counts its changes, once
        big = False
        while going["orders"] or going["window"]:
            data = self._page(
                going,
                after,
                fresh_query,
                window_query,
                count=count,
                limit=threshold + 1,
                counted=check if first else None,
            )
            if first and check.counted is not None and not _counts(data, check.expected):
                windows.append(check.counted)
            first = False
            if going["window"]:
                conn = data.get("window") or {}
                for node in conn.get("nodes") or ():
                    if isinstance(node, Mapping) and isinstance(node.get("id"), str):
                        stamp = str(node.get("updatedAt", ""))
                        # Against what the window was drawn from: the pages of changes move
                        # the cursor on, and what it keeps of the window with it.
                        if known.is_new(node["id"], stamp):
                            stale[node["id"]] = stamp
                going["window"], after["window"] = next_page(conn)
            if not going["window"] and windows:
                window_query, going["window"], after["window"] = windows.pop(0), True, None
            if not going["orders"]:
                continue
            conn = data.get("orders") or {}
            nodes = list(conn.get("nodes") or ())
            moved |= {str(n.get("id")) for n in nodes if isinstance(n, Mapping)}
            fresh = [
                node
                for node in nodes
                if not isinstance(node, Mapping)
                or state.is_new(str(node.get("id")), str(node.get("updatedAt", "")))
            ]
            orders, skips = reader.map_orders(fresh)
            going["orders"], after["orders"] = next_page(conn)
            if count:
                count = False
                changed = data.get("changed")
                number = changed.get("count") if isinstance(changed, Mapping) else None
                if going["orders"] and isinstance(number, int) and number > threshold:
                    # The rest by a bulk operation: about 5 calls, against one per 23 orders.
                    big, going["orders"] = True, False
            if pending is not None:
                yield pending
            # The read's start is committed with its last page only: until then, a read cut short
            # leaves the next one the same window to check.
            state = state.advanced(_stamped(orders, fresh), overlap)
            pending = ChangePage(
                Resource.ORDERS,
                orders=tuple(orders),
                skipped=tuple(skips),
                cursor=cursor.with_stream("orders", state).encode(),
            )
        late = [order_id for order_id in stale if order_id not in moved]
        again, again_skips, again_nodes = self._by_ids(late, known)
        final = state.advanced(_stamped(again, again_nodes), overlap, read_at)
        assert pending is not None  # the loop reads one page of changes at least
        if big:
            yield pending
            state = state.advanced(_stamped(again, again_nodes), overlap)
            if late:
                yield ChangePage(
                    Resource.ORDERS,
                    orders=tuple(again),
                    skipped=tuple(again_skips),
                    cursor=cursor.with_stream("orders", state).encode(),
                )
            assert state.since is not None  # an incremental read starts from a stamp
            search = f"updated_at:>='{state.since}'"
            for page in reader.bulk.order_changes(search, reader, state):
                done = Cursor.decode(page.cursor)
                # Other streams of the cursor pass through as they came.
                merged = cursor.with_stream("orders", done.get("orders")) if done else None
                yield replace(page, cursor=merged.encode() if merged else None)
            return
        if not late:
            yield ChangePage(
                Resource.ORDERS,
                orders=pending.orders,
                skipped=pending.skipped,
                cursor=cursor.with_stream("orders", final).encode(),
            )
            return
        yield pending
        yield ChangePage(
            Resource.ORDERS,
            orders=tuple(again),
            skipped=tuple(again_skips),
            cursor=cursor.with_stream("orders", final).encode(),
        )

    def _by_ids(
        self, ids: Sequence[str], state: StreamState
    ) -> tuple[list[Order], list[SkippedPayload], list[Any]]:
        """The orders of ``ids`` whose stamp is new to ``state``, re-read in full by id."""
        orders: list[Order] = []
        skips: list[SkippedPayload] = []
        nodes: list[Any] = []
        for start in range(0, len(ids), IDS_PER_CALL):
            batch = list(ids[start : start + IDS_PER_CALL])
            data = self.reader.client.run(
                "OrdersByIds", {"ids": batch}, key=f"OrdersByIds:{len(batch)}"
            )
            found = [
                n
                for n in data.get("nodes") or ()
                if isinstance(n, Mapping)
                and state.is_new(str(n.get("id")), str(n.get("updatedAt", "")))
            ]
            nodes += found
            got, bad = self.reader.map_orders(found)
            orders += got
            skips += bad
        return orders, skips, nodes

    def _page(
        self,
        going: Mapping[str, bool],
        after: Mapping[str, str | None],
        fresh_query: str | None,
        window_query: str | None,
        *,
        count: bool,
        limit: int,
        counted: WindowCheck | None,
    ) -> dict[str, Any]:
        both = going["orders"] and going["window"]
        sizer = self.with_window if both else self.alone if going["orders"] else self.window_only
        tag = ":window" if both else "" if going["orders"] else ":window-only"

        def variables(sizes: tuple[int, ...]) -> dict[str, Any]:
            return {
                "first": sizes[0] if going["orders"] else 1,
                "after": after["orders"],
                "query": fresh_query,
                "withOrders": going["orders"],
                "withWindow": going["window"],
                "windowFirst": sizes[-1] if going["window"] else 1,
                "windowAfter": after["window"],
                "windowQuery": window_query,
                "withCount": count,
                "countLimit": limit,
                "withWindowCount": counted is not None and counted.counted is not None,
                "windowCountQuery": counted.counted if counted else None,
                # One more than expected: a count that reaches it is AT_LEAST, a mismatch anyway.
                "windowCountLimit": counted.expected + 1 if counted else 1,
            }

        return self.reader.sized("OrderChanges", sizer, variables, tag=tag)


def _counts(data: Mapping[str, Any], expected: int) -> bool:
    """Whether the window's count in ``data`` is exactly the ``expected`` orders read already."""
    counted = data.get("windowCount")
    return (
        isinstance(counted, Mapping)
        and counted.get("precision") == "EXACT"
        and counted.get("count") == expected
    )


def _stamped(orders: Sequence[Order], nodes: Sequence[Any]) -> list[tuple[str, str]]:
    """(id, updatedAt) of the ``orders`` mapped from ``nodes``, for the cursor."""
    stamps = {
        str(n.get("id")): str(n.get("updatedAt", "")) for n in nodes if isinstance(n, Mapping)
    }
    return [(o.platform_id, stamps.get(o.platform_id, "")) for o in orders]
