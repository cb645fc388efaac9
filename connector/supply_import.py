"""Purchase orders from a CSV file: parse every row, keep the good ones, report the bad ones.

Columns (header row required, names case-insensitive, order free)::

    sku, quantity, expected_date, supplier, reference, id, received

``sku`` and ``quantity`` are required. ``expected_date`` is ``YYYY-MM-DD`` (empty: no date yet).
Without an ``id`` column a row's id is derived from its reference and SKU (or its content), so
importing the same file twice updates the same purchase orders instead of doubling the supply.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from connector.model import PurchaseOrder

__all__ = [
    "ImportProblem",
    "ImportResult",
    "keep_received",
    "parse_purchase_orders",
    "read_purchase_orders",
]

REQUIRED = ("sku", "quantity")
KNOWN = ("sku", "quantity", "expected_date", "supplier", "reference", "id", "received")


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """A row that was skipped, with its line number in the file and the reason."""

    line: int
    reason: str
    row: str = ""

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(slots=True)
class ImportResult:
    """The good rows as purchase orders, the bad ones as problems.

    ``received_given`` holds the ids of purchase orders whose row states a received count: for the
    others the count already booked must be kept (see :func:`keep_received`).
    """

    purchase_orders: list[PurchaseOrder] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    received_given: set[str] = field(default_factory=set)


def keep_received(
    incoming: Iterable[PurchaseOrder],
    stored: Iterable[PurchaseOrder],
    received_given: Iterable[str] = (),
) -> list[PurchaseOrder]:
    """``incoming`` purchase orders, each keeping the received count already ``stored`` under its id
    unless its id is in ``received_given``.

    Saving a purchase order replaces the stored one: re-importing a spreadsheet with no received
    column (or ``po add`` with the same id) would otherwise book units already on the shelf as
    incoming again, and promise dates from stock that is not coming.
    """
    booked = {po.id: po.received for po in stored}
    given = set(received_given)
    out = []
    for po in incoming:
        known = booked.get(po.id)
        keep = known is not None and po.id not in given and po.received != known
        out.append(replace(po, received=known) if keep and known is not None else po)
    return out


def _int(value: str, name: str, minimum: int) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise ValueError(f"{name} {value!r} is not a whole number") from None
    if number < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {number}")
    return number


def _date(value: str) -> date | None:
    text = value.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"expected_date {text!r} is not a YYYY-MM-DD date") from None


def _row_id(fields: dict[str, str]) -> str:
    if fields.get("id", "").strip():
        return fields["id"].strip()
    reference = fields.get("reference", "").strip()
    if reference:
        return f"{reference}:{fields['sku'].strip()}"
    content = "|".join(fields.get(name, "").strip() for name in KNOWN)
    return "csv-" + hashlib.sha1(content.encode()).hexdigest()[:12]


def parse_purchase_orders(text: str, shop: str, now: datetime) -> ImportResult:
    """Parse CSV ``text`` into purchase orders of ``shop``; bad rows go to ``problems``."""
    result = ImportResult()
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        result.problems.append(ImportProblem(1, "the file is empty"))
        return result
    names = [name.strip().casefold().replace(" ", "_") for name in header]
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        result.problems.append(
            ImportProblem(1, f"missing column(s): {', '.join(missing)}", ",".join(header))
        )
        return result
    seen: dict[str, int] = {}
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(names):
            result.problems.append(ImportProblem(number, "more cells than columns", ",".join(row)))
            continue
        fields = dict(zip(names, [*row, *[""] * (len(names) - len(row))], strict=True))
        try:
            sku = fields["sku"].strip()
            if not sku:
                raise ValueError("sku is empty")
            po = PurchaseOrder(
                id=_row_id(fields),
                shop=shop,
                sku=sku,
                quantity=_int(fields["quantity"], "quantity", 1),
                expected_date=_date(fields.get("expected_date", "")),
                supplier=fields.get("supplier", "").strip(),
                received=_int(fields.get("received", "") or "0", "received", 0),
                created_at=now,
                reference=fields.get("reference", "").strip(),
            )
        except ValueError as error:
            result.problems.append(ImportProblem(number, str(error), ",".join(row)))
            continue
        if po.id in seen:
            result.problems.append(
                ImportProblem(number, f"same purchase order as line {seen[po.id]} ({po.id})")
            )
            continue
        seen[po.id] = number
        result.purchase_orders.append(po)
        if fields.get("received", "").strip():
            result.received_given.add(po.id)
    return result


def read_purchase_orders(path: Path, shop: str, now: datetime) -> ImportResult:
    """Read and parse a CSV file (UTF-8, with or without a byte-order mark).

    A file that cannot be read at all is one problem on line 0, never an exception.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        return ImportResult(problems=[ImportProblem(0, f"not UTF-8 text: {error}")])
    except OSError as error:
        reason = error.strerror or str(error)
        return ImportResult(problems=[ImportProblem(0, f"cannot read the file: {reason}")])
    return parse_purchase_orders(text, shop, now)
