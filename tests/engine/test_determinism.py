"""The same state gives the same plan in any process (not just within one)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import hashlib
from tests.engine.test_scenarios import DEFAULT, NOW, SOFAS, decide, sofa_shop, order, line, at
from dataclasses import replace
shop = sofa_shop(order("CARA", at("2026-11-19"), line("C1", "SOFA-OAK", 1), line("C2", "SOFA-X", 1)))
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
