"""Purchase orders from a CSV file: parse every row, keep the good ones, report the bad ones.

Columns (header row required, names case-insensitive, order free)::

    sku, quantity, expected_date, supplier, reference, id, received, reason

``sku`` and ``quantity`` are required. ``reason`` is what a customer whose line waits for this
supply reads when it is late, in the shop's language (the PO's id and reference never are). ``expected_date`` is ``YYYY-MM-DD`` (empty: no date yet).
Without an ``id`` column a row's id is derived from its reference and SKU (or its content), so
importing the same file twice updates the same purchase orders instead of doubling the supply.

:func:`compare_with_stored` sorts a parsed sheet against what is stored (new, changed, unchanged),
so a re-import says what it changed and writes nothing else, and refuses a date already past.
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
    "ImportChanges",
    "ImportProblem",
    "ImportResult",
    "compare_with_stored",
    "describe_change",
    "keep_received",
    "parse_purchase_orders",
    "past_date_problem",
    "read_purchase_orders",
]

REQUIRED = ("sku", "quantity")
KNOWN = ("sku", "quantity", "expected_date", "supplier", "reference", "id", "received", "reason")


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
    lines: dict[str, int] = field(default_factory=dict)
    """The line each purchase order came from, by id."""
    reason_column: bool = False
    """Whether the sheet has a ``reason`` column; without one, stored reasons are kept."""


@dataclass(slots=True)
class ImportChanges:
    """A parsed sheet against the stored purchase orders: what to write, and what to say."""

    new: list[PurchaseOrder] = field(default_factory=list)
    changed: list[tuple[PurchaseOrder, PurchaseOrder]] = field(default_factory=list)
    """(stored, incoming) pairs."""
    unchanged: list[PurchaseOrder] = field(default_factory=list)
    refused: list[ImportProblem] = field(default_factory=list)

    @property
    def to_write(self) -> list[PurchaseOrder]:
        return [*self.new, *(incoming for _, incoming in self.changed)]


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


_COMPARED = ("sku", "quantity", "expected_date", "supplier", "received", "reference", "reason")
"""What a purchase order says; ``created_at`` is when we first heard of it, not part of it."""


def past_date_problem(po: PurchaseOrder, stored: PurchaseOrder | None, today: date) -> str | None:
    """Why ``po`` cannot be saved as it is: its date is already past and is not the one stored.

    A PO due yesterday promises nothing (the engine treats it as undated supply), so a new one is
    almost always a typo or last month's sheet. One already stored with that date is left alone: the
    same sheet imported a week later must not turn into a list of errors.
    """
    due = po.expected_date
    if due is None or due >= today:
        return None
    if stored is not None and stored.expected_date == due:
        return None
    return f"expected_date {due.isoformat()} is in the past (today is {today.isoformat()})"


def _shown(value: object) -> str:
    if value is None:
        return "no date"
    if isinstance(value, date):
        return value.isoformat()
    return str(value) if value != "" else "(none)"


def describe_change(old: PurchaseOrder, new: PurchaseOrder) -> str:
    """``expected 2026-12-05 -> 2026-12-12, quantity 4 -> 6``: what a re-import changed."""
    names = {"expected_date": "expected"}
    return ", ".join(
        f"{names.get(name, name)} {_shown(getattr(old, name))} -> {_shown(getattr(new, name))}"
        for name in _COMPARED
        if getattr(old, name) != getattr(new, name)
    )


def compare_with_stored(
    result: ImportResult, stored: Iterable[PurchaseOrder], today: date
) -> ImportChanges:
    """Sort a parsed sheet into new, changed and unchanged purchase orders.

    Received counts already booked are kept (:func:`keep_received`), a changed PO keeps the time we
    first heard of it, and a row whose date is already past is refused (:func:`past_date_problem`).
    """
    known = {po.id: po for po in stored}
    changes = ImportChanges()
    for parsed in keep_received(result.purchase_orders, known.values(), result.received_given):
        old = known.get(parsed.id)
        po = parsed
        if old is not None and not result.reason_column:
            po = replace(parsed, reason=old.reason)  # a sheet without reasons keeps the owner's
        problem = past_date_problem(po, old, today)
        if problem is not None:
            changes.refused.append(ImportProblem(result.lines.get(po.id, 0), problem))
        elif old is None:
            changes.new.append(po)
        elif all(getattr(old, name) == getattr(po, name) for name in _COMPARED):
            changes.unchanged.append(old)
        else:
            changes.changed.append((old, replace(po, created_at=old.created_at or po.created_at)))
    return changes


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
    # The reason is words about the PO, not the PO: changing it must update, not add one.
    content = "|".join(fields.get(name, "").strip() for name in KNOWN if name != "reason")
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
    result.reason_column = "reason" in names
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
                reason=fields.get("reason", "").strip(),
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
        result.lines[po.id] = number
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
