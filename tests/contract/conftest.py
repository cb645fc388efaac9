"""The adapter contract suite runs once per platform.

Each platform contributes ``tests/contract/harness_<platform>.py`` with a ``make_harness(tmp_path)``
context manager yielding a :class:`tests.contract.harness.Harness`; every test in this folder that asks
for ``harness`` runs against each of them.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.contract.harness import Harness

_HERE = Path(__file__).parent
PLATFORMS = sorted(p.stem.removeprefix("harness_") for p in _HERE.glob("harness_*.py"))


@pytest.fixture(params=PLATFORMS)
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    module = importlib.import_module(f"tests.contract.harness_{request.param}")
    with module.make_harness(tmp_path) as made:
        yield made
