"""The GraphQL documents the adapter sends, one ``.graphql`` file each in ``graphql/``."""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = ["DOCUMENT_DIR", "document", "names"]

DOCUMENT_DIR = Path(__file__).with_name("graphql")


@cache
def document(name: str) -> str:
    """The text of ``graphql/<name>.graphql`` (bulk queries: ``<name>.bulk``)."""
    return (DOCUMENT_DIR / f"{name}.graphql").read_text(encoding="utf-8")


def names() -> list[str]:
    return sorted(p.name.removesuffix(".graphql") for p in DOCUMENT_DIR.glob("*.graphql"))
