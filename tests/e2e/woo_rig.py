"""The demo's WooCommerce sandbox worked by a real daemon on a frozen clock, for the e2e tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from connector.clock import FrozenClock
from connector.daemon import Daemon
from connector.db import Database, open_database
from connector.model import Platform
from connector.sandbox.seed import demo_spec

SHOP = "nordhem-woo"

WooRig = tuple[Daemon, Database, Any, FrozenClock]
"""(daemon, state database, sandbox store, the one clock both run on)."""


@contextlib.contextmanager
def woo_daemon(tmp_path: Path) -> Iterator[WooRig]:
    """A WooCommerce sandbox of ``demo_spec`` and a daemon working it, closed on exit."""
    from connector.demo import demo_settings
    from connector.sandbox.woocommerce import WooCommerceSandbox

    clock = FrozenClock(demo_spec().start)
    store = WooCommerceSandbox(demo_spec(), clock=clock).start()
    db = open_database(f"sqlite:///{tmp_path / 'state.db'}", clock=clock)
    shop = SimpleNamespace(name=SHOP, platform=Platform.WOOCOMMERCE, store=store)
    settings = demo_settings([shop], "sqlite://", tmp_path / "outbox")  # type: ignore[list-item]
    daemon = Daemon(settings, db, clock=clock, renew_every=0)
    try:
        yield daemon, db, store, clock
    finally:
        daemon.close()
        db.close()
        store.stop()
