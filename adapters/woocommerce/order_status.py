"""Whole-order holds by status on WooCommerce: ``processing`` -> ``on-hold`` and back (issue 18).

WooCommerce has no fulfilment holds, and warehouse plugins ship what is ``processing``. With the
shop's ``on_hold_fully_waiting`` on, an order whose every line waits is put ``on-hold``; it goes
back to ``processing`` when that is no longer so. What real WooCommerce does on those moves
(docs/woocommerce.md, "Whole orders on hold"): no stock moves (``wc_maybe_reduce_stock_levels``
runs on both statuses and is guarded by ``_order_stock_reduced``), no customer mail on
processing -> on-hold, the "Processing order" mail again on on-hold -> processing.

Compare, then write: each order is read first; only an order in the status we expect is moved,
in one ``orders/batch`` item that also sets or clears our marker :data:`MARKER_KEY`, so a move
whose answer was lost is found done (SKIPPED) on the retry, and an order on hold *without* our
marker is a person's hold: CONFLICT, nothing written. An internal note says why, in words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adapters.common import failed_write
from adapters.woocommerce.client import PER_PAGE, WooClient, batch_updates, item_error
from adapters.woocommerce.hold_notes import listing, names_of
from adapters.woocommerce.mapping import meta_value
from adapters.woocommerce.order_actions import OrderActionWriter
from adapters.woocommerce.reader import Reader
from connector.errors import ConnectorError, PlatformDetails, PlatformItemError, RetryableError
from connector.model import WriteResult, WriteStatus
from connector.model_status import OrderStatusMove

__all__ = ["MARKER_KEY", "OrderStatusWriter", "hold_note", "release_note"]

MARKER_KEY = "_bc_status_hold"
"""Order meta the connector sets when *it* put the order on hold (private: wp-admin hides it)."""

WORKING = "processing"
WAITING = "on-hold"


def hold_note(row: Mapping[str, Any], lines: Sequence[tuple[str, int]]) -> str:
    """Why the connector put the order on hold, for the shop's staff."""
    waiting = listing(dict(lines), names_of(row))
    return (
        f"Put on hold by the backorder connector: every item of this order waits for stock "
        f"({waiting}), so nothing can ship yet. It goes back to Processing by itself when the "
        f"stock arrives. Change the status by hand and the connector leaves this order alone."
    )


def release_note(row: Mapping[str, Any]) -> str:
    """Why the connector took the order off hold."""
    return (
        "Back to Processing: the stock this order waited for has arrived or is set aside "
        "for it (the backorder connector had put it on hold). "
        "WooCommerce mails the customer its usual \u201cprocessing\u201d message."
    )


class OrderStatusWriter:
    """Moves orders between ``processing`` and ``on-hold`` for :class:`OrderStatusMove` s."""

    def __init__(self, client: WooClient, reader: Reader, notes: OrderActionWriter) -> None:
        self.client = client
        self.reader = reader
        self.notes = notes

    def move(self, moves: Sequence[OrderStatusMove]) -> list[WriteResult]:
        results: dict[str, WriteResult] = {}
        wanted = [m for m in moves if m.order_id.isdigit()]
        for move in moves:
            if not move.order_id.isdigit():
                results[move.key] = WriteResult(move.key, WriteStatus.FAILED, "bad order id")
        try:
            rows = {str(r["id"]): r for r in self.reader.orders_by_id([m.order_id for m in wanted])}
        except ConnectorError as error:
            return [failed_write(m.key, error) for m in moves]
        updates: list[tuple[OrderStatusMove, dict[str, Any]]] = []
        for move in wanted:
            row = rows.get(move.order_id)
            if row is None:
                results[move.key] = WriteResult(move.key, WriteStatus.FAILED, "order not found")
                continue
            verdict = _verdict(move, row)
            if verdict is not None:
                results[move.key] = verdict
                continue
            updates.append((move, _update(move)))
        for start in range(0, len(updates), PER_PAGE):
            chunk = updates[start : start + PER_PAGE]
            for move, problem in self._write([u for _, u in chunk], [m for m, _ in chunk]):
                if problem is not None:
                    results[move.key] = failed_write(move.key, problem)
                    continue
                results[move.key] = self._noted(move, rows[move.order_id])
        return [results[m.key] for m in moves]

    def _write(
        self, updates: list[dict[str, Any]], moves: list[OrderStatusMove]
    ) -> list[tuple[OrderStatusMove, ConnectorError | None]]:
        try:
            # Absolute values (a status, a marker): a retried batch leaves the same state behind.
            reply = self.client.post("orders/batch", {"update": updates}).body
            items = batch_updates("orders/batch", reply, len(updates))
        except ConnectorError as error:
            return [(move, error) for move in moves]
        out: list[tuple[OrderStatusMove, ConnectorError | None]] = []
        for move, item in zip(moves, items, strict=True):
            error_of = item_error(item)
            if (
                error_of is None
                and isinstance(item, Mapping)
                and item.get("status") != (WAITING if move.hold else WORKING)
            ):
                # The store answered 200 but did not take the status (a plugin refusing it).
                out.append(
                    (
                        move,
                        PlatformItemError(
                            f"the store kept status {item.get('status')!r}",
                            PlatformDetails("woocommerce", 200, None, None),
                        ),
                    )
                )
                continue
            if error_of is not None:
                status, problem = error_of
                details = PlatformDetails("woocommerce", status, None, str(problem.get("code")))
                out.append(
                    (move, PlatformItemError(str(problem.get("message", "failed")), details))
                )
                continue
            out.append((move, None))
        return out

    def _noted(self, move: OrderStatusMove, row: Mapping[str, Any]) -> WriteResult:
        text = hold_note(row, move.lines) if move.hold else release_note(row)
        try:
            self.notes.internal_note(move.order_id, text)
        except ConnectorError as error:
            # The status moved; only the words are missing. Said, not retried: a retry would
            # find the move done and skip it.
            return WriteResult(
                move.key,
                WriteStatus.DONE,
                f"status moved, note failed: {error}",
                isinstance(error, RetryableError),
            )
        return WriteResult(move.key, WriteStatus.DONE)


def _ours(row: Mapping[str, Any]) -> bool:
    return bool(meta_value(row, MARKER_KEY))


def _verdict(move: OrderStatusMove, row: Mapping[str, Any]) -> WriteResult | None:
    """None when the order is where we expect it and must be moved; else its result."""
    status = str(row.get("status") or "")
    if move.hold:
        if status == WORKING:
            return None
        if status == WAITING and _ours(row):
            return WriteResult(move.key, WriteStatus.SKIPPED, "already on hold (ours)")
        return WriteResult(move.key, WriteStatus.CONFLICT, f"order is {status}: left alone")
    if status == WAITING and _ours(row):
        return None
    if status == WORKING and not _ours(row):
        return WriteResult(move.key, WriteStatus.SKIPPED, "already processing")
    who = "on hold by someone else" if status == WAITING else status
    return WriteResult(move.key, WriteStatus.CONFLICT, f"order is {who}: left alone")


def _update(move: OrderStatusMove) -> dict[str, Any]:
    return {
        "id": int(move.order_id),
        "status": WAITING if move.hold else WORKING,
        "meta_data": [{"key": MARKER_KEY, "value": WAITING if move.hold else None}],
    }
