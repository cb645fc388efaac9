"""The validated, immutable settings object that :mod:`connector.config` builds from the TOML file.

Every other module reads its settings from these types and never from raw TOML. The loader derives
the accepted keys and their types from these dataclasses, so adding a field (with a default) here is
all it takes to add a setting; document it in ``config.example.toml`` as well.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from connector.model import Platform

__all__ = [
    "Branding",
    "ConsoleSettings",
    "ConsoleUser",
    "EmailSettings",
    "PaymentSettings",
    "PolicyMatch",
    "PolicyMode",
    "PolicySettings",
    "ReorderSettings",
    "ScheduleSettings",
    "Secret",
    "Settings",
    "ShopSettings",
    "SupplierSettings",
    "ranks_by_customer",
]


class Secret:
    """A secret value: printed, logged or repr'd as ``'***'``. Read it with :meth:`reveal`."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str = "") -> None:
        self._value = value
        self.source = source
        """Where it came from (``env:NAME``), safe to show."""

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True, slots=True)
class Branding:
    """How the shop's emails look and whom customers reply to."""

    name: str = ""
    logo_url: str = ""
    primary_color: str = "#1f2937"
    accent_color: str = "#2563eb"
    support_email: str = ""
    reply_to: str = ""
    website_url: str = ""


@dataclass(frozen=True, slots=True)
class ShopSettings:
    """One shop. Which credential fields are needed depends on ``platform``.

    Shopify: ``access_token`` (static ``shpat_`` token), or ``client_id`` + ``client_secret``
    (client-credentials grant). ``client_secret`` also verifies webhooks.
    WooCommerce: ``consumer_key`` + ``consumer_secret``; ``webhook_secret`` signs our webhooks.
    """

    name: str
    platform: Platform
    url: str
    api_version: str = "2026-10"
    access_token: Secret | None = None
    client_id: str | None = None
    client_secret: Secret | None = None
    consumer_key: Secret | None = None
    consumer_secret: Secret | None = None
    webhook_secret: Secret | None = None
    currency: str = "USD"
    locale: str = "en"
    timezone: str = "UTC"
    enabled: bool = True
    timeout_seconds: float = 30.0
    requests_per_second: float = 20.0
    max_retries: int = 6
    overlap_seconds: int = 300
    bulk_threshold: int = 10_000
    bulk_changes_threshold: int = 250
    """Shopify: above this many orders changed since the last read, a bulk operation reads them."""
    notify_existing: bool = False
    po_receive_window_days: int = 14
    """A rise of the shop's stock for a SKU counts as the delivery of its open purchase orders
    due at most this many days ahead (or overdue): connector.stock_arrivals."""
    on_hold_fully_waiting: bool = False
    """WooCommerce: put an order whose every line waits ``on-hold`` (and back to ``processing``
    when it no longer does), only orders the connector itself put there (issue 18)."""
    branding: Branding = field(default_factory=Branding)
    payments: PaymentSettings | None = None
    """``[shops.payments]``: this shop's own ``[payments]``; a key it leaves out comes from the
    top-level ``[payments]`` (the loader merges them). None: the top-level one as it is."""


class PolicyMode(enum.StrEnum):
    BACKORDER = "backorder"
    PREORDER = "preorder"
    STOP = "stop"


@dataclass(frozen=True, slots=True)
class PolicyMatch:
    """What a policy applies to. Empty means everything; several criteria must all hold.

    ``skus`` are shell-style patterns (``SOFA-*``); the others compare case-insensitively.
    """

    skus: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    product_types: tuple[str, ...] = ()
    vendors: tuple[str, ...] = ()
    collections: tuple[str, ...] = ()
    shops: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PolicySettings:
    """A store owner's backorder or pre-order rule. Policies are tried in order; first match wins."""

    name: str
    mode: PolicyMode
    match: PolicyMatch = field(default_factory=PolicyMatch)
    # backorder
    max_wait_days: int = 60
    max_backorder_units: int | None = None
    cap_to_incoming: bool = True
    lead_time_days: int | None = None
    handling_days: int = 1
    # preorder
    release_date: date | None = None
    preorder_limit: int | None = None
    payment_terms: str = ""
    payment: Literal["full", "deposit", "on_release"] = "full"
    """When a pre-order is paid: ``full`` at checkout, a ``deposit`` at checkout and the rest at
    release, or ``on_release`` (nothing at checkout; WooCommerce: see docs/payments-woocommerce.md)."""
    deposit_percent: Decimal | None = None
    """With ``payment = "deposit"``: the share of the price charged at checkout (1-99); on Shopify
    the selling plan's checkout charge (docs/payments.md, "Pre-order deposits")."""
    # queue
    queue_rule: Literal["fifo", "promise_at_risk"] = "fifo"
    priority_tags: tuple[str, ...] = ("VIP",)
    vip_roles: tuple[str, ...] = ()
    """WooCommerce: customer roles (``wholesale_customer``) whose lines go first, after the tags."""
    vip_meta: str = ""
    """WooCommerce: a customer meta key (``vip``); a customer with it set (not "no", "0", empty)
    goes first, after the roles."""
    # storefront
    backorder_tag: str = "backorder"
    preorder_tag: str = "preorder"
    sold_out_tag: str = "no-backorders"
    ships_tag_format: str = "ships-{year:04d}-{month:02d}"
    # customer conversation
    reminder_every_days: int = 14
    reminder_min_gap_hours: int = 24
    delay_discount_percent: Decimal | None = None
    delay_reason: str = ""
    ship_soon_days: int = 2

    @property
    def boost_tags(self) -> tuple[str, ...]:
        """Every tag that boosts a line, strongest first: ``priority_tags``, then the WooCommerce
        roles and meta key as the adapter names them (``role:<role>``, ``meta:<key>``)."""
        if not (self.vip_roles or self.vip_meta):
            return self.priority_tags
        roles = tuple(f"role:{role}" for role in self.vip_roles)
        return (*self.priority_tags, *roles, *((f"meta:{self.vip_meta}",) if self.vip_meta else ()))


@dataclass(frozen=True, slots=True)
class ScheduleSettings:
    sync_interval_minutes: int = 5
    promise_check_minutes: int = 60
    outbox_interval_seconds: int = 60
    webhook_repair_hours: int = 24
    digest_hour: int = 8
    misfire_grace_seconds: int = 60
    lease_seconds: int = 120
    unhealthy_after_failures: int = 3
    unhealthy_after_minutes: int = 0
    engine_check_minutes: int = 60
    """How often the daemon compares its warm engine's plan with a cold one (0: never)."""
    engine_check_orders: int = 50_000
    """A shop with more orders in its warm engine than this has a share of this many compared
    with the database per check, in turn, instead of a whole cold plan beside the warm one."""
    reconcile_orders: int = 10_000
    """Waiting orders the promise check re-reads from the shop, at most; more go in turn."""


@dataclass(frozen=True, slots=True)
class EmailSettings:
    transport: Literal["smtp", "folder", "dry-run"] = "folder"
    folder: str = "outbox"
    from_address: str = "shop@example.com"
    reply_to: str = ""
    owner_email: str = ""
    smtp_host: str = "localhost"
    smtp_port: int = 587
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: Secret | None = None
    timeout_seconds: float = 30.0
    hourly_cap: int = 500
    templates_dir: str | None = None
    unsubscribe_url: str = ""


@dataclass(frozen=True, slots=True)
class WebSettings:
    """The customer page behind every email (``[web]``); off until ``public_url`` is set."""

    public_url: str = ""
    """Where customers reach the daemon's HTTP server (behind your reverse proxy), e.g.
    ``https://orders.example.com``; the page is ``{public_url}/orders/<signed token>``."""
    secret: Secret | None = None
    """Signs the links (HMAC-SHA256); ``env:NAME``, at least 32 characters. Changing it revokes
    every link already sent."""
    link_days: int = 180
    """How long a link in an email keeps working."""
    customer_actions: tuple[str, ...] = ("keep_waiting", "cancel")
    """What the page offers a waiting customer: ``keep_waiting``, ``cancel`` (the waiting lines,
    with a refund), ``swap`` (a waiting line for an in-stock alternative, not dearer)."""
    cancel_needs_approval: bool = False
    """A customer's cancel waits for ``connector cancels approve`` before the shop is asked."""
    swap_needs_approval: bool = False
    """A customer's swap waits for ``connector cancels approve`` before the shop is asked."""
    swap_skus: tuple[str, ...] = ()
    """SKU patterns (``fnmatch``: ``HOUSE-*``) of substitutes offered for any waiting line, next
    to the other in-stock variants of the same product (``swap`` in ``customer_actions``)."""
    delay_consent: str = "off"
    """``ftc``: a delay past the first promise asks the customer to wait or cancel for a full
    refund, and cancels and refunds at the deadline without an answer (docs/customer-page.md)."""

    @property
    def enabled(self) -> bool:
        return bool(self.public_url and self.secret is not None)


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    """One person who may log in to the console (``[[console.users]]``)."""

    name: str
    role: Literal["support", "owner"]
    """``support``: read and resync; ``owner``: also purchase orders and the audit log."""
    password_hash: str = ""
    """An argon2 hash from ``connector console hash-password``; never the password itself.
    Empty only with ``[console] sso_header``: the user then logs in through the proxy alone."""


@dataclass(frozen=True, slots=True)
class ConsoleSettings:
    """The support console at ``/console`` (``[console]``); off until a user is configured."""

    users: tuple[ConsoleUser, ...] = ()
    secret: Secret | None = None
    """Signs the session cookies (HMAC-SHA256); ``env:NAME``, at least 32 characters. Changing it
    ends every session."""
    public_url: str = ""
    """Where staff reach the daemon (default: ``[web] public_url``); https makes cookies Secure."""
    session_hours: int = 8
    """How long a login lasts."""
    login_attempts: int = 5
    """Failed logins allowed per address and user name within ``lockout_minutes``."""
    lockout_minutes: int = 15
    trusted_proxies: tuple[str, ...] = ()
    """Addresses of your reverse proxy: from them, the client's address (for the login limit and
    the audit log) is the last one in ``X-Forwarded-For``; from anyone else that header is ignored."""
    sso_header: str = ""
    """A header your reverse proxy sets to the signed-in user's name (``X-Forwarded-User``): from a
    ``trusted_proxies`` address it logs that user in without a password. Off when empty."""

    @property
    def enabled(self) -> bool:
        return bool(self.users and self.secret is not None)

    def user(self, name: str) -> ConsoleUser | None:
        return next((user for user in self.users if user.name == name), None)


@dataclass(frozen=True, slots=True)
class PaymentSettings:
    """``[payments]``: what happens to a card authorization that would run out while lines wait."""

    on_authorization_expiry: Literal["capture", "notify_owner", "ask_customer"] = "notify_owner"
    """Default ``notify_owner``: no money moves, and no customer is charged before shipping,
    without the owner choosing it; the digest and ``connector status`` warn days ahead."""
    capture_margin_days: int = 1
    """Act this many days before the authorization expires."""
    authorization_days: int = 7
    """The authorization period when the platform does not state it (Shopify Payments: 7)."""
    check_every_minutes: int = 60
    """Read waiting orders' authorizations at most this often (one API call per 10 orders);
    an operation whose answer was lost is checked on the next cycle whatever this says."""


@dataclass(frozen=True, slots=True)
class SupplierSettings:
    """A supplier the reorder suggestions order from (``[[suppliers]]``)."""

    name: str
    """As the purchase orders name it (their ``supplier``)."""
    lead_time_days: int = 14
    """Days from ordering to the goods on the shelf."""
    skus: tuple[str, ...] = ()
    """Shell-style patterns (``SOFA-*``) of the SKUs it supplies; a SKU matched by none is
    ordered from the supplier of its newest purchase order."""


@dataclass(frozen=True, slots=True)
class ReorderSettings:
    """How ``connector report --reorder`` sizes its suggestions (``[reorder]``)."""

    cover_days: int = 30
    """Days of recent sales each order should last beyond its lead time."""
    safety_days: int = 0
    """Extra days of sales kept in hand against a late delivery."""
    velocity_days: int = 30
    """The window of recent sales the daily rate is read from (0: waiting demand only)."""
    lead_time_days: int = 14
    """The lead time of a SKU with no known supplier."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the connector runs on, validated once at load."""

    shops: tuple[ShopSettings, ...]
    database_url: str = "sqlite:///connector.db"
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    email: EmailSettings = field(default_factory=EmailSettings)
    web: WebSettings = field(default_factory=WebSettings)
    console: ConsoleSettings = field(default_factory=ConsoleSettings)
    suppliers: tuple[SupplierSettings, ...] = ()
    reorder: ReorderSettings = field(default_factory=ReorderSettings)
    policies: tuple[PolicySettings, ...] = ()
    default_policy: PolicySettings = field(
        default_factory=lambda: PolicySettings(name="default", mode=PolicyMode.STOP)
    )
    log_format: Literal["text", "json"] = "text"
    payments: PaymentSettings = field(default_factory=PaymentSettings)

    def payments_for(self, shop: str) -> PaymentSettings:
        """The ``[payments]`` that holds for ``shop``: its ``[shops.payments]``, else the top-level."""
        for candidate in self.shops:
            if candidate.name == shop and candidate.payments is not None:
                return candidate.payments
        return self.payments

    def shop(self, name: str) -> ShopSettings:
        for shop in self.shops:
            if shop.name == name:
                return shop
        raise KeyError(name)


def ranks_by_customer(settings: Settings, shop: str) -> bool:
    """Whether a policy that applies to ``shop`` ranks lines by customer role or meta
    (``vip_roles`` / ``vip_meta``): only then are customer records worth reading."""
    return any(
        (policy.vip_roles or policy.vip_meta)
        and (not policy.match.shops or shop in policy.match.shops)
        for policy in (*settings.policies, settings.default_policy)
    )
