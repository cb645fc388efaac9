"""Every real Shopify payload kept in tests/fixtures/shopify/real is read by a test, and sourced.

A payload added to the folder but read by no test would look like coverage it is not: the guard
finds each file's path (relative to the folder) as a string literal in some test module, the way
the tests name what they ``load``.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

TESTS = Path(__file__).parents[2]
REAL = TESTS / "fixtures" / "shopify" / "real"
PROVENANCE = {"README.md", "SOURCES.json"}


def _payloads() -> set[str]:
    return {
        p.relative_to(REAL).as_posix()
        for p in REAL.rglob("*")
        if p.is_file() and p.name not in PROVENANCE
    }


def _named_in_tests() -> set[str]:
    names: set[str] = set()
    for module in TESTS.rglob("*.py"):
        if module == Path(__file__):
            continue
        for node in ast.walk(ast.parse(module.read_text(), str(module))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                names.add(node.value)
    return names


def test_every_real_payload_is_read_by_some_test() -> None:
    unread = sorted(_payloads() - _named_in_tests())
    assert unread == [], f"real payloads no test reads: {unread}"


def test_the_guard_sees_the_whole_folder() -> None:
    # Would pass vacuously if the folder moved or the walk found nothing.
    payloads = _payloads()
    assert len(payloads) == 30
    assert "06_bulk/bcapps_bulk_mutation_result.jsonl" in payloads


def test_every_real_payload_names_its_origin_and_licence() -> None:
    sources = json.loads((REAL / "SOURCES.json").read_text())["files"]
    assert set(sources) == _payloads()
    for name, origin in sources.items():
        assert origin.get("repo") and origin.get("licence"), name
    readme = (REAL / "README.md").read_text()
    assert "SOURCES.json" in readme and "licence" in readme
