"""Notifications to JSON and back, so an outbox row keeps what it was rendered from.

A row's payload lets support re-render a real order's message (``connector emails preview --order``)
and lets a failed render be retried after a template fix, without asking the engine again.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from connector.model import (
    ChoiceCounts,
    Money,
    MoneyAtRisk,
    Notification,
    NotificationKind,
    NotificationLine,
    ReorderDue,
    utc,
)

__all__ = ["notification_from_json", "notification_to_json"]


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _money(value: Money | None) -> dict[str, str] | None:
    return {"amount": str(value.amount), "currency": value.currency} if value else None


def notification_to_json(notification: Notification) -> str:
    """A stable JSON text of ``notification`` (keys sorted, decimals as text)."""
    lines = [
        {
            "line_id": line.line_id,
            "sku": line.sku,
            "title": line.title,
            "quantity": line.quantity,
            "eta": _date(line.eta),
            "old_eta": _date(line.old_eta),
            "ships_now": line.ships_now,
            "price": _money(line.price),
            # Only when the shop recorded a refund: older texts stay byte for byte the same.
            **({"refunded": _money(line.refunded)} if line.refunded is not None else {}),
            **({"shipped": line.shipped} if line.shipped else {}),
        }
        for line in notification.lines
    ]
    body = {
        "shop": notification.shop,
        "kind": notification.kind.value,
        "order_id": notification.order_id,
        "order_number": notification.order_number,
        "email": notification.email,
        "name": notification.name,
        "locale": notification.locale,
        "lines": lines,
        "created_at": notification.created_at.isoformat(),
        "promised_date": _date(notification.promised_date),
        "old_promised_date": _date(notification.old_promised_date),
        "reason": notification.reason,
        "payment_terms": notification.payment_terms,
        "discount_code": notification.discount_code,
        # Only when set: older texts stay byte for byte the same.
        **(
            {"release_date": _date(notification.release_date)}
            if notification.release_date is not None
            else {}
        ),
        **({"payment_url": notification.payment_url} if notification.payment_url else {}),
        **(
            {"consent_by": _date(notification.consent_by)}
            if notification.consent_by is not None
            else {}
        ),
        **({"amount": _money(notification.amount)} if notification.amount is not None else {}),
        **(
            {"amount_due": _money(notification.amount_due)}
            if notification.amount_due is not None
            else {}
        ),
        **(
            {"money_at_risk": [_risk(r) for r in notification.money_at_risk]}
            if notification.money_at_risk
            else {}
        ),
        **(
            {"balances_due": [_risk(r) for r in notification.balances_due]}
            if notification.balances_due
            else {}
        ),
        **({"reorder": _reorder(notification.reorder)} if notification.reorder else {}),
        **({"choices": _choices(notification.choices)} if notification.choices else {}),
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False)


def _parse_date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _parse_money(value: Any) -> Money | None:
    return Money(Decimal(value["amount"]), value["currency"]) if value else None


def notification_from_json(text: str) -> Notification:
    """The notification :func:`notification_to_json` wrote; raises ``ValueError``/``KeyError`` on junk."""
    body = json.loads(text)
    lines = tuple(
        NotificationLine(
            line_id=item["line_id"],
            sku=item["sku"],
            title=item["title"],
            quantity=int(item["quantity"]),
            eta=_parse_date(item.get("eta")),
            old_eta=_parse_date(item.get("old_eta")),
            ships_now=bool(item.get("ships_now", False)),
            price=_parse_money(item.get("price")),
            refunded=_parse_money(item.get("refunded")),
            shipped=int(item.get("shipped", 0)),
        )
        for item in body["lines"]
    )
    return Notification(
        shop=body["shop"],
        kind=NotificationKind(body["kind"]),
        order_id=body["order_id"],
        order_number=body["order_number"],
        email=body["email"],
        name=body["name"],
        locale=body.get("locale"),
        lines=lines,
        created_at=utc(datetime.fromisoformat(body["created_at"])),
        promised_date=_parse_date(body.get("promised_date")),
        old_promised_date=_parse_date(body.get("old_promised_date")),
        reason=body.get("reason", ""),
        payment_terms=body.get("payment_terms", ""),
        discount_code=body.get("discount_code", ""),
        release_date=_parse_date(body.get("release_date")),
        payment_url=body.get("payment_url", ""),
        consent_by=_parse_date(body.get("consent_by")),
        amount=_parse_money(body.get("amount")),
        amount_due=_parse_money(body.get("amount_due")),
        money_at_risk=tuple(_parse_risk(r) for r in body.get("money_at_risk") or ()),
        balances_due=tuple(_parse_risk(r) for r in body.get("balances_due") or ()),
        # Rows written before these were structured carry ``reorder_note``/``choices_note``
        # sentences: their mail was rendered when queued; a re-render leaves the sentence out.
        reorder=_parse_reorder(body.get("reorder")),
        choices=_parse_choices(body.get("choices")),
    )


def _reorder(reorder: ReorderDue) -> dict[str, Any]:
    return {"units": reorder.units, "skus": reorder.skus, "first_by": reorder.first_by.isoformat()}


def _parse_reorder(item: Any) -> ReorderDue | None:
    if not item:
        return None
    return ReorderDue(int(item["units"]), int(item["skus"]), date.fromisoformat(item["first_by"]))


def _choices(choices: ChoiceCounts) -> dict[str, int]:
    return {
        "kept_waiting": choices.kept_waiting,
        "customer_cancels": choices.customer_cancels,
        "deadline_cancels": choices.deadline_cancels,
    }


def _parse_choices(item: Any) -> ChoiceCounts | None:
    if not item:
        return None
    return ChoiceCounts(
        int(item.get("kept_waiting", 0)),
        int(item.get("customer_cancels", 0)),
        int(item.get("deadline_cancels", 0)),
    )


def _risk(risk: MoneyAtRisk) -> dict[str, Any]:
    return {
        "order_number": risk.order_number,
        "amount": _money(risk.amount),
        "expires_at": risk.expires_at.isoformat(),
        "eta": _date(risk.eta),
        "stage": risk.stage,
        "action": risk.action,
        "note": risk.note,
    }


def _parse_risk(item: dict[str, Any]) -> MoneyAtRisk:
    amount = _parse_money(item["amount"])
    if amount is None:
        raise ValueError("a payment at risk without its amount")
    return MoneyAtRisk(
        order_number=item["order_number"],
        amount=amount,
        expires_at=utc(datetime.fromisoformat(item["expires_at"])),
        eta=_parse_date(item.get("eta")),
        stage=item["stage"],
        action=item["action"],
        note=item.get("note", ""),
    )
