"""What a WooCommerce order says about its money, read at the adapter's edge.

Core WooCommerce takes a payment at checkout or not at all: it has no deposits and no stored-card
charge later. An order nobody has paid for sits in ``pending`` (or ``failed``) and carries a
``payment_url``, the "pay for order" page the customer can use at any time; ``needs_payment`` is
WooCommerce's own verdict (a status valid for payment and a total above zero).

The official Pre-Orders extension (``woocommerce-pre-orders/woocommerce-pre-orders.php`` in the
system status' ``active_plugins``) adds the status ``pre-ordered`` and order meta:
``_wc_pre_orders_is_pre_order`` (1), ``_wc_pre_orders_when_charged`` (``upfront`` or
``upon_release``) and ``_wc_pre_orders_status`` (``active``, then ``completed`` or ``cancelled``).
A pre-order charged upon release is *not* paid while it waits; at release the extension charges a
stored token or moves the order to ``pending`` with its stock still reduced and mails the customer
the payment link. Such an order still holds its units and still waits: the connector reads it as
an open pre-order, never as paid, never as gone.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "PREORDERS_PLUGIN",
    "PreOrdersExtension",
    "awaits_release_payment",
    "charged_upon_release",
    "extension_state",
    "payment_links",
    "payments_details",
]

PREORDERS_PLUGIN = "woocommerce-pre-orders/"
"""The folder WordPress keeps the official extension in (its main file is inside it)."""

IS_PRE_ORDER = "_wc_pre_orders_is_pre_order"
WHEN_CHARGED = "_wc_pre_orders_when_charged"
PRE_ORDER_STATUS = "_wc_pre_orders_status"


class PreOrdersExtension(enum.StrEnum):
    """Whether a store runs the official Pre-Orders extension."""

    ACTIVE = "yes"
    INACTIVE = "installed, inactive"
    ABSENT = "no"


def extension_state(system_status: Mapping[str, Any]) -> PreOrdersExtension:
    """The extension's state from ``GET /system_status`` (``active_plugins``/``inactive_plugins``)."""

    def listed(key: str) -> bool:
        entries = system_status.get(key) or ()
        return any(
            isinstance(entry, Mapping) and str(entry.get("plugin", "")).startswith(PREORDERS_PLUGIN)
            for entry in entries
        )

    if listed("active_plugins"):
        return PreOrdersExtension.ACTIVE
    if listed("inactive_plugins"):
        return PreOrdersExtension.INACTIVE
    return PreOrdersExtension.ABSENT


def _meta(payload: Mapping[str, Any], key: str) -> Any:
    found = None
    for entry in payload.get("meta_data") or ():
        if isinstance(entry, Mapping) and entry.get("key") == key:
            found = entry.get("value")
    return found


def _is_extension_pre_order(payload: Mapping[str, Any]) -> bool:
    return str(_meta(payload, IS_PRE_ORDER) or "") == "1"


def charged_upon_release(payload: Mapping[str, Any]) -> bool:
    """An extension pre-order the customer pays only at release (unpaid while it waits)."""
    return _is_extension_pre_order(payload) and _meta(payload, WHEN_CHARGED) == "upon_release"


def awaits_release_payment(payload: Mapping[str, Any]) -> bool:
    """A released upon-release pre-order the extension moved to ``pending`` to be paid.

    Its stock stayed reduced (the extension suppresses WooCommerce's restock on that change), so
    it still holds its units and waits to ship once paid: not an abandoned pending checkout.
    """
    return (
        str(payload.get("status", "")) == "pending"
        and charged_upon_release(payload)
        and _meta(payload, PRE_ORDER_STATUS) == "completed"
    )


_SAYS = {
    PreOrdersExtension.ACTIVE: (
        "Pre-Orders extension active: its pre-orders charged upon release are read as unpaid "
        "waiting pre-orders; the extension asks for their payment at release"
    ),
    PreOrdersExtension.INACTIVE: (
        "Pre-Orders extension installed but inactive: core WooCommerce takes no deposit and "
        'charges no stored card; payment = "on_release" orders wait in pending'
    ),
    PreOrdersExtension.ABSENT: (
        "no Pre-Orders extension: core WooCommerce takes no deposit and charges no stored card; "
        'payment = "on_release" orders wait in pending'
    ),
}


def payments_details(system_status: Mapping[str, Any]) -> dict[str, str]:
    """``connector check`` details: the extension's state and what that means for the money."""
    state = extension_state(system_status)
    return {"preorders_extension": state.value, "payments": _SAYS[state]}


def payment_links(rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Order id -> ``payment_url`` for the orders WooCommerce says still need payment.

    ``needs_payment`` is WooCommerce's own verdict (pending or failed, total above zero), so an
    order paid meanwhile, cancelled, or free gets no link. A link that is not http(s) is left out.
    """
    links: dict[str, str] = {}
    for row in rows:
        url = str(row.get("payment_url") or "")
        if row.get("needs_payment") is True and url.startswith(("https://", "http://")):
            links[str(row.get("id"))] = url
    return links
