"""End-to-end fixtures: the sandbox stores and the pieces that must exist for a real cycle."""

from __future__ import annotations

import importlib

import pytest


def require_pieces(*modules: str) -> None:
    """xfail (with the reason) while a piece another engineer builds has not landed yet."""
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as error:
            pytest.xfail(f"{module} is not on main yet: {error}")
