"""The same state gives the same plan in any process (not just within one)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import hashlib
from datetime import date
from tests.engine.builders import NOW, at, line, order, po, product, state, variant
from tests.engine.test_scenarios import DEFAULT, SOFAS, decide
skus = [f"SOFA-{n}" for n in range(12)]
shop = state(
    products=(product("P1"),),
    variants=tuple(variant(sku, -1) for sku in skus),
    orders=tuple(order(f"O{n}", at("2026-11-10"), line(f"L{n}", sku, 1)) for n, sku in enumerate(skus)),
    purchase_orders=tuple(po(f"PO{n}", sku, 3, date(2026, 12, 1)) for n, sku in enumerate(skus)),
)
plan = decide(shop, [SOFAS], DEFAULT, NOW)
print(hashlib.sha256(repr(plan).encode()).hexdigest())
"""


def test_plans_do_not_depend_on_the_string_hash_seed() -> None:
    root = Path(__file__).resolve().parents[2]
    digests = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(root)}
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT],
            env=env,
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
        digests.add(done.stdout.strip())
    assert len(digests) == 1
