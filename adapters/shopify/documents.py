"""The GraphQL documents the adapter sends, one ``.graphql`` file each in ``graphql/``.

Selections several documents share are fragments, one per file in ``graphql/fragments/``
(``fragment Name on Type``, file ``Name.graphql``). :func:`document` composes a document with
the fragments it spreads: a normal document gets their definitions appended; a bulk query
(``<name>.bulk``) gets each spread replaced by the fragment's selections, so the query sent to
``bulkOperationRunQuery`` is one plain selection tree whatever Shopify accepts there.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

__all__ = ["DOCUMENT_DIR", "FRAGMENT_DIR", "document", "fragment_names", "names"]

DOCUMENT_DIR = Path(__file__).with_name("graphql")
FRAGMENT_DIR = DOCUMENT_DIR / "fragments"

# `...Name` is a fragment spread; `... on Type` is an inline fragment and stays as it is.
_SPREAD = re.compile(r"\.\.\.\s*(?!on\b)([_A-Za-z]\w*)")


def _strip_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


@cache
def _fragment(name: str) -> str:
    path = FRAGMENT_DIR / f"{name}.graphql"
    if not path.is_file():
        raise KeyError(f"GraphQL fragment {name!r} has no file {path}")
    return _strip_comments(path.read_text(encoding="utf-8")).strip()


def _spreads(text: str) -> list[str]:
    return list(dict.fromkeys(_SPREAD.findall(_strip_comments(text))))


def _needed(text: str) -> list[str]:
    """Every fragment ``text`` spreads, directly or through other fragments, in first-use order."""
    seen: dict[str, None] = {}
    pending = _spreads(text)
    while pending:
        name = pending.pop(0)
        if name not in seen:
            seen[name] = None
            pending += _spreads(_fragment(name))
    return list(seen)


def _selections(name: str) -> str:
    text = _fragment(name)
    return text[text.index("{") + 1 : text.rindex("}")].strip()


def _inline(text: str, depth: int = 0) -> str:
    if depth > 10:
        raise ValueError("GraphQL fragments spread each other in a cycle")
    body = _SPREAD.sub(lambda m: _selections(m.group(1)), text)
    return _inline(body, depth + 1) if _SPREAD.search(_strip_comments(body)) else body


@cache
def document(name: str) -> str:
    """The text of ``graphql/<name>.graphql`` (bulk queries: ``<name>.bulk``), fragments composed."""
    text = (DOCUMENT_DIR / f"{name}.graphql").read_text(encoding="utf-8")
    if name.endswith(".bulk"):
        return _inline(_strip_comments(text))
    needed = _needed(text)
    return "\n\n".join([text.rstrip(), *(_fragment(n) for n in needed)]) + "\n"


def names() -> list[str]:
    """Every document's name (fragments are not documents of their own)."""
    return sorted(p.name.removesuffix(".graphql") for p in DOCUMENT_DIR.glob("*.graphql"))


def fragment_names() -> list[str]:
    return sorted(p.stem for p in FRAGMENT_DIR.glob("*.graphql"))
