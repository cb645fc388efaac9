"""Loading the copied WooCommerce payloads (tests/fixtures/woocommerce, see SOURCES.md there)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "woocommerce"
REAL = FIXTURES / "real"
DOCS = FIXTURES / "docs"


def real(name: str) -> dict[str, Any]:
    """A captured call: ``{"request", "status", "headers", "body", ...}``."""
    loaded: dict[str, Any] = json.loads((REAL / name).read_text())
    return loaded


def bodies() -> Iterator[tuple[str, Any]]:
    """Every response body, real captures first, then the docs' examples."""
    for path in sorted(REAL.glob("*.json")):
        yield path.name, json.loads(path.read_text())["body"]
    for path in sorted(DOCS.glob("*.json")):
        if path.name != "SOURCES.json":
            yield f"docs/{path.name}", json.loads(path.read_text())


def objects(body: Any) -> Iterator[dict[str, Any]]:
    """The resource objects inside a body: a list, a batch answer or one object."""
    if isinstance(body, list):
        for row in body:
            if isinstance(row, dict):
                yield row
    elif isinstance(body, dict) and any(k in body for k in ("create", "update", "delete")):
        for key in ("create", "update", "delete"):
            for row in body.get(key) or ():
                if isinstance(row, dict) and "error" not in row:
                    yield row
    elif isinstance(body, dict):
        yield body


def kind(row: dict[str, Any]) -> str:
    if "line_items" in row and "status" in row:  # refunds carry line_items too
        return "order"
    if row.get("type") in ("simple", "variable") and "stock_status" in row:
        return str(row["type"])
    if "stock_status" in row and "attributes" in row and "type" not in row:
        return "variation"
    if "customer_note" in row and "note" in row:
        return "note"
    return "other"


def webhook_deliveries() -> Iterator[tuple[str, dict[str, str], bytes]]:
    for path in sorted((REAL / "webhooks").glob("*.headers.json")):
        meta = json.loads(path.read_text())
        headers = dict(meta["headers"])
        body = (REAL / "webhooks" / meta["body_file"]).read_bytes()
        yield path.name.removesuffix(".headers.json"), headers, body
