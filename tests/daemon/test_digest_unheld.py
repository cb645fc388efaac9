"""The owner's digest names the backordered lines that could not be held (issue 17).

`connector status` showed them among the last write failures; the digest is what an owner reads.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import sqlalchemy as sa

from connector.clock import FrozenClock
from connector.daemon_schema import cycle_runs
from connector.db import Database
from connector.notify.render import Renderer
from tests.daemon.test_daemon_work import STOCKHOLM, make_daemon

REFUSED = (
    "not held: the fulfillment order was sent to a fulfillment service (request submitted), and "
    "Shopify allows no hold on it then; ask it to hold the backordered line, or cancel the "
    "request in Shopify"
)


def _cycle(database: Database, clock: FrozenClock, failures: list[dict[str, object]]) -> None:
    with database.engine.begin() as conn:
        conn.execute(
            sa.insert(cycle_runs).values(
                shop="acme",
                kind="cycle",
                started_at=clock(),
                finished_at=clock(),
                ok=True,
                summary=json.dumps({"failures": failures}),
            )
        )


def _failure(order: int, status: str = "failed", kind: str = "hold_lines") -> dict[str, object]:
    key = f"acme:{kind}:gid://shopify/Order/{order}:bc-1"
    return {"key": key, "status": status, "message": REFUSED, "retryable": False}


def test_the_digest_counts_the_lines_the_latest_cycle_could_not_hold(
    database: Database, clock: FrozenClock
) -> None:
    _cycle(database, clock, [_failure(1)])  # an older cycle: superseded by the next
    clock.advance(timedelta(minutes=5))
    _cycle(
        database,
        clock,
        [_failure(7), _failure(9), _failure(3, kind="add_tags"), _failure(4, status="conflict")],
    )
    daemon = make_daemon(database, clock, owner="owner@acme.example")
    # Nothing else happened that day: the digest still goes, for the unheld lines alone.
    assert daemon.send_digest("acme") == 1
    (digest,) = daemon.outbox.queued.values()
    assert digest.reason.splitlines() == [f"order 7: {REFUSED}", f"order 9: {REFUSED}"]
    for locale, heading in (("en", "COULD NOT BE HELD (2)"), ("sv", "KUNDE INTE HÅLLAS KVAR (2)")):
        mail = Renderer().render(replace(digest, locale=locale), replace(STOCKHOLM, locale=locale))
        assert heading in mail.text and "order 9: not held" in mail.text
        assert "order 7" in mail.html


def test_no_refused_hold_and_nothing_else_means_no_digest(
    database: Database, clock: FrozenClock
) -> None:
    _cycle(database, clock, [_failure(3, kind="add_tags")])
    daemon = make_daemon(database, clock, owner="owner@acme.example")
    assert daemon.send_digest("acme") == 0
