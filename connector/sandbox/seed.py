"""A deterministic generator of catalogs, customers and orders for the sandbox stores.

Everything comes from one ``random.Random(seed)``: the same :class:`SeedSpec` always gives the same
store. Orders are yielded one at a time (never held in a list), so a benchmark can stream a million
order lines into a store without the generator itself taking memory.

The records are platform-neutral; each sandbox turns them into its own objects and places the
orders through its own checkout logic (which moves stock the way the platform does).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

__all__ = [
    "SeedCustomer",
    "SeedOrder",
    "SeedProduct",
    "SeedSpec",
    "SeedVariant",
    "demo_spec",
    "generate_customers",
    "generate_orders",
    "generate_products",
]

_ADJECTIVES = (
    "Oak",
    "Linen",
    "Velvet",
    "Walnut",
    "Nordic",
    "Coastal",
    "Copper",
    "Stone",
    "Wool",
    "Cedar",
)
_NOUNS = ("Sofa", "Lamp", "Chair", "Table", "Rug", "Shelf", "Hoodie", "Tee", "Mug", "Vase")
_TYPES = {
    "Sofa": "Furniture",
    "Chair": "Furniture",
    "Table": "Furniture",
    "Shelf": "Furniture",
    "Lamp": "Lighting",
    "Rug": "Textiles",
    "Hoodie": "Apparel",
    "Tee": "Apparel",
    "Mug": "Kitchen",
    "Vase": "Decor",
}
_OPTIONS = ("S", "M", "L", "XL", "Blue", "Red", "Green", "Grey")
_VENDORS = ("Nordhus", "Lumen & Co", "Fjord Supply", "Atelier Sol")
_FIRST = (
    "Anna",
    "Erik",
    "Maja",
    "Lars",
    "Sofia",
    "Oskar",
    "Emma",
    "Liam",
    "Olivia",
    "Noah",
    "Elin",
    "Hugo",
)
_LAST = ("Andersson", "Berg", "Lind", "Smith", "Johnson", "Nilsson", "Brown", "Karlsson", "Taylor")


@dataclass(frozen=True, slots=True)
class SeedVariant:
    sku: str
    title: str
    price: Decimal
    stock: int
    tracked: bool = True
    continue_selling: bool = False
    """Shopify CONTINUE / WooCommerce backorders ``notify``."""


@dataclass(frozen=True, slots=True)
class SeedProduct:
    key: int
    title: str
    product_type: str
    vendor: str
    tags: tuple[str, ...]
    variants: tuple[SeedVariant, ...]
    release_date: date | None = None
    """Set for pre-order products (not yet released)."""


@dataclass(frozen=True, slots=True)
class SeedCustomer:
    key: int
    email: str
    first_name: str
    last_name: str
    locale: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SeedOrder:
    key: int
    customer_key: int
    created_at: datetime
    lines: tuple[tuple[str, int], ...]
    """(sku, quantity) pairs."""


@dataclass(frozen=True, slots=True)
class SeedSpec:
    """How big and how varied the generated store is."""

    seed: int = 1
    products: int = 20
    variants_per_product: tuple[int, int] = (1, 3)
    untracked_share: float = 0.1
    out_of_stock_share: float = 0.25
    continue_share: float = 0.5
    """Of the out-of-stock variants, how many keep selling (CONTINUE / backorders allowed)."""
    preorder_share: float = 0.05
    customers: int = 12
    locales: tuple[str, ...] = ("en", "sv")
    vip_share: float = 0.15
    orders: int = 40
    lines_per_order: tuple[int, int] = (1, 3)
    start: datetime = field(default_factory=lambda: datetime(2026, 11, 1, 9, 0, tzinfo=UTC))
    order_spacing: timedelta = timedelta(minutes=37)


def _variants(rng: random.Random, spec: SeedSpec, key: int, noun: str) -> tuple[SeedVariant, ...]:
    low, high = spec.variants_per_product
    count = rng.randint(low, high)
    options = rng.sample(_OPTIONS, k=min(count, len(_OPTIONS))) if count > 1 else ["Default"]
    variants = []
    for index in range(count):
        option = options[index % len(options)]
        tracked = rng.random() >= spec.untracked_share
        out = rng.random() < spec.out_of_stock_share
        stock = 0 if out else rng.randint(1, 40)
        continue_selling = out and rng.random() < spec.continue_share
        price = Decimal(rng.randint(900, 250000)) / 100
        sku = f"{noun[:4].upper()}-{key:06d}-{index + 1}"
        title = option if count > 1 else "Default Title"
        variants.append(SeedVariant(sku, title, price, stock, tracked, continue_selling))
    return tuple(variants)


def generate_products(spec: SeedSpec) -> Iterator[SeedProduct]:
    """The catalog, product by product."""
    rng = random.Random(f"products:{spec.seed}")
    for key in range(1, spec.products + 1):
        noun = rng.choice(_NOUNS)
        title = f"{rng.choice(_ADJECTIVES)} {noun} {key}"
        preorder = rng.random() < spec.preorder_share
        release = (spec.start + timedelta(days=rng.randint(14, 90))).date() if preorder else None
        tags = tuple(
            sorted({noun.lower(), _TYPES[noun].lower()} | ({"new"} if preorder else set()))
        )
        yield SeedProduct(
            key,
            title,
            _TYPES[noun],
            rng.choice(_VENDORS),
            tags,
            _variants(rng, spec, key, noun),
            release,
        )


def generate_customers(spec: SeedSpec) -> Iterator[SeedCustomer]:
    rng = random.Random(f"customers:{spec.seed}")
    for key in range(1, spec.customers + 1):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        locale = spec.locales[key % len(spec.locales)]
        tags = ("VIP",) if rng.random() < spec.vip_share else ()
        email = f"{first.lower()}.{last.lower()}.{key}@example.com"
        yield SeedCustomer(key, email, first, last, locale, tags)


def generate_orders(spec: SeedSpec, skus: list[str]) -> Iterator[SeedOrder]:
    """Orders over time, streamed. ``skus`` are the orderable SKUs (from the generated catalog)."""
    rng = random.Random(f"orders:{spec.seed}")
    low, high = spec.lines_per_order
    moment = spec.start
    for key in range(1, spec.orders + 1):
        moment += spec.order_spacing
        count = min(rng.randint(low, high), len(skus))
        chosen = rng.sample(skus, k=count) if count else []
        lines = tuple((sku, rng.randint(1, 3)) for sku in chosen)
        yield SeedOrder(key, rng.randint(1, spec.customers), moment, lines)


def demo_spec(seed: int = 7) -> SeedSpec:
    """The small store ``connector demo`` uses: sold-out items, two languages, mixed orders."""
    return SeedSpec(
        seed=seed,
        products=8,
        customers=12,
        orders=16,
        out_of_stock_share=0.35,
        continue_share=0.8,
        preorder_share=0.15,
    )
