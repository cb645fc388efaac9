"""`/metrics` carries the business numbers of `connector report`, the same numbers."""

from __future__ import annotations

import json
from pathlib import Path

from connector.clock import FrozenClock
from connector.config import load_settings
from connector.daemon import Daemon
from connector.db import open_database
from connector.planning import plan_for_shop
from tests.cli.conftest import AT, run
from tests.engine.builders import NOW


def _gauges(text: str) -> dict[str, float]:
    return {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line and not line.startswith("#")
    }


def test_metrics_export_the_report_numbers_per_shop(config: Path) -> None:
    settings = load_settings(config)
    db = open_database(settings.database_url, clock=FrozenClock(NOW))
    plan = plan_for_shop(db, settings, "demo", NOW)
    db.replace_queue("demo", plan.queue)
    db.append_events(plan.events)
    code, out, _ = run(config, *AT, "report", "--json")
    assert code == 0, out
    report = json.loads(out)[0]

    daemon = Daemon(settings, db, clock=db.clock)
    try:
        gauges = _gauges(daemon.metrics.render())
    finally:
        daemon.close()
        db.close()
    assert gauges['connector_backorder_rate{shop="demo"}'] == report["backorder_rate"] == 1.0
    assert gauges['connector_fill_rate{shop="demo"}'] == report["fill_rate"] == 0.0
    assert gauges['connector_open_backorder_value{currency="EUR",shop="demo"}'] == 300.0
    assert report["open_value"] == {"EUR": "300.00"}
    # Nothing was served yet: no promise kept or broken, so no number rather than a made-up 0.
    assert report["on_time_rate"] is None
    assert 'connector_promises_kept_rate{shop="demo"}' not in gauges
    assert gauges['connector_backorder_lines_waiting{shop="demo"}'] == report["waiting_lines"]
