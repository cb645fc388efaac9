"""What a customer chose about an order, as support reads it: each choice, when, and its result,
and the FTC delay notices with their deadlines and outcomes.

``connector order N`` prints these rows (and ``--json`` carries them), read from the page's own
tables (``customer_choices``, ``customer_cancels``): there is no second record of a choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from connector.model_cancel import RefundKind
from connector.web.customer_cancel import CancelRecord, cancel_key, cancels_for
from connector.web.customer_consent import notices_for
from connector.web.swap_tables import SWAP, SwapRecord, swaps_for
from connector.web.tables import CANCEL, KEEP_WAITING, CancelState, choices_for

__all__ = ["ChoiceRow", "choice_history", "describe_cancel", "describe_swap"]


@dataclass(frozen=True, slots=True)
class ChoiceRow:
    """One choice: what the customer chose, when, and what came of it."""

    what: str
    at: datetime
    result: str

    def as_dict(self) -> dict[str, str]:
        return {"what": self.what, "at": self.at.isoformat(), "result": self.result}


def _money(amount: object, currency: str) -> str:
    return f"{amount} {currency}".strip()


def _not_done(state: str, when: str, message: str, by_hand: str) -> str:
    """A cancel's or a swap's words until it is done ("" once it is): both go through the same
    states (approval, the next cycle, writing, declined, failed)."""
    if state == CancelState.AWAITING_APPROVAL:
        return "awaiting the owner's approval (connector cancels approve)"
    if state == CancelState.PENDING:
        tried = f"; last try: {message}" if message else ""
        return f"to be written to the shop at the next cycle{tried}"
    if state == CancelState.WRITING:
        return f"being written to the shop (since {when})"
    if state == CancelState.DECLINED:
        return f"declined by the owner {when}"
    if state == CancelState.FAILED:
        return f"FAILED {when}: {message}; {by_hand}"
    return ""


def describe_cancel(record: CancelRecord) -> str:
    """Where a cancel stands, in support's words (the owner acts on FAILED and MANUAL)."""
    when = record.updated_at.strftime("%Y-%m-%d %H:%M UTC")
    waiting = _not_done(record.state, when, record.message, "cancel and refund by hand")
    if waiting:
        return waiting
    if record.refund == RefundKind.PAID:
        return f"done {when}: refunded {_money(record.amount, record.currency)} (refund {record.refund_id})"
    if record.refund == RefundKind.MANUAL:
        return (
            f"done {when}: cancelled (refund {record.refund_id}); the gateway cannot refund: "
            f"pay back {_money(record.owed, record.currency)} BY HAND"
        )
    return f"done {when}: cancelled, nothing was paid (refund {record.refund_id})"


def describe_swap(record: SwapRecord) -> str:
    """Where a swap stands, in support's words (the owner acts on FAILED and a manual refund)."""
    when = record.updated_at.strftime("%Y-%m-%d %H:%M UTC")
    waiting = _not_done(record.state, when, record.message, "swap by hand or tell the customer")
    if waiting:
        return waiting
    text = f"done {when}: new line {record.new_line_id}"
    if record.owed:
        return (
            f"{text}; the gateway cannot refund: pay back {record.owed} {record.currency} BY HAND"
        )
    if record.amount:
        return f"{text}; difference refunded {record.amount} {record.currency}"
    return text


def choice_history(
    engine: sa.Engine, shop: str, order_id: str, names: Mapping[str, str] | None = None
) -> list[ChoiceRow]:
    """Every choice about one order, oldest first; ``names`` maps line ids to what support reads."""
    cancels = {c.key: c for c in cancels_for(engine, shop, order_id)}
    swaps = {s.line_id: s for s in swaps_for(engine, shop, order_id)}
    rows = []
    for choice in choices_for(engine, shop, order_id):
        date_text = choice.promise.isoformat() if choice.promise else "no date"
        if choice.action == KEEP_WAITING:
            rows.append(
                ChoiceRow(
                    f"customer chose to keep waiting (for {date_text})", choice.at, "recorded"
                )
            )
        elif choice.action == CANCEL:
            record = cancels.get(cancel_key(shop, order_id, choice.promise))
            units = ", ".join(
                f"{(names or {}).get(line, line)} x{n}"
                for line, n in (record.units if record else ())
            )
            result = describe_cancel(record) if record else "recorded"
            who = (
                "customer cancelled the waiting items"
                if choice.source == "customer page"
                else f"waiting items cancelled ({choice.source}, no answer)"
            )
            rows.append(ChoiceRow(f"{who} ({units})", choice.at, result))
        elif choice.action.startswith(f"{SWAP}:"):
            line_id = choice.action.split(":", 1)[1]
            swap = swaps.get(line_id)
            if swap is None:
                rows.append(ChoiceRow(choice.action, choice.at, "recorded"))
                continue
            rows.append(
                ChoiceRow(
                    f"customer swapped {swap.old_title} ({swap.old_sku}) x{swap.units} "
                    f"for {swap.title} ({swap.sku})",
                    choice.at,
                    describe_swap(swap),
                )
            )
        else:
            rows.append(ChoiceRow(choice.action, choice.at, "recorded"))
    for notice in notices_for(engine, shop, order_id):
        new = notice.promise.isoformat() if notice.promise else "no date"
        if notice.consent_by is None:
            ask, open_result = "silence agrees", "no answer needed (silence agrees)"
        else:
            ask = f"must agree by {notice.consent_by.isoformat()}"
            open_result = f"waiting for an answer until {notice.consent_by.isoformat()}"
        rows.append(
            ChoiceRow(
                f"{notice.kind} delay notice (FTC): new date {new}, {ask}",
                notice.sent_at,
                notice.outcome or open_result,
            )
        )
    return sorted(rows, key=lambda row: row.at)
