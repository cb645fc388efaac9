"""``connector run --once`` killed with SIGKILL mid-cycle, again and again, then left to finish:
the plan of the unchanged shop must be empty and every customer mailed once (issue 13, §4).

Seen on a 60-product / 200-order sandbox shop with ``lease_seconds = 5``: after a few kills, every
quiet cycle planned 28-148 writes, all answered "skipped" (the dead process's writes were never
re-read, and WooCommerce order meta never moves ``date_modified``).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest

from connector.clock import FrozenClock
from connector.sandbox.seed import SeedSpec
from tests.e2e.test_cli_live import CONFIG

ROOT = Path(__file__).resolve().parents[2]
SPEC = SeedSpec(seed=21, products=60, orders=200, customers=40)
LEASE = 5


def connector(config: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "connector.cli.main", "--config", str(config), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_a_daemon_killed_at_random_points_leaves_an_empty_plan_and_mails_once(
    tmp_path: Path,
) -> None:
    from connector.sandbox.woocommerce import WooCommerceSandbox

    clock = FrozenClock(SPEC.start)
    with WooCommerceSandbox(SPEC, clock=clock) as store:
        config = tmp_path / "connector.toml"
        text = CONFIG.format(
            db=tmp_path / "state.db", outbox=tmp_path / "outbox", url=store.base_url
        )
        config.write_text(
            text.replace("[email]", f"[schedule]\nlease_seconds = {LEASE}\n\n[email]")
        )
        creds = store.credentials()
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "OUTLET_KEY": creds["consumer_key"],
            "OUTLET_SECRET": creds["consumer_secret"],
            "OUTLET_HOOK": "hook-secret",
        }
        rng = random.Random(13)
        killed = 0
        for _ in range(3):
            store.advance_clock(timedelta(minutes=1))
            process = connector(config, env, "run", "--once")
            time.sleep(rng.uniform(0.5, 2.5))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                killed += 1
            process.communicate(timeout=30)
            time.sleep(LEASE + 1)  # the dead process's lease runs out
        assert killed, "no run was killed mid-cycle: make the shop bigger"
        for _ in range(2):
            store.advance_clock(timedelta(minutes=1))
            finished = connector(config, env, "run", "--once")
            out, err = finished.communicate(timeout=120)
            assert finished.returncode == 0, err
        planned = connector(config, env, "plan", "--shop", "outlet", "--json")
        out, err = planned.communicate(timeout=60)
        assert planned.returncode == 0, err
        plan: dict[str, Any] = json.loads(out)
        assert (plan["storefront"], plan["order_actions"]) == ([], [])
    mails = [message_from_bytes(p.read_bytes()) for p in (tmp_path / "outbox").glob("*.eml")]
    sent = Counter((str(m["To"]), str(m["Subject"])) for m in mails)
    assert sent and max(sent.values()) == 1, [k for k, n in sent.items() if n > 1]
