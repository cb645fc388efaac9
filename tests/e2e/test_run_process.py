"""``connector run --listen`` as a real process: healthy after its first cycle, metrics served,
SIGTERM answered with a clean exit."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from connector.clock import FrozenClock
from connector.sandbox.seed import demo_spec
from tests.e2e.test_cli_live import CONFIG

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.slow
def test_run_serves_health_and_metrics_and_stops_on_sigterm(tmp_path: Path) -> None:
    from connector.sandbox.woocommerce import WooCommerceSandbox

    port = _free_port()
    with WooCommerceSandbox(demo_spec(), clock=FrozenClock(demo_spec().start)) as store:
        config = tmp_path / "connector.toml"
        config.write_text(
            CONFIG.format(db=tmp_path / "state.db", outbox=tmp_path / "outbox", url=store.base_url)
        )
        creds = store.credentials()
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "OUTLET_KEY": creds["consumer_key"],
            "OUTLET_SECRET": creds["consumer_secret"],
            "OUTLET_HOOK": "hook-secret",
        }
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "connector.cli.main",
                "--config",
                str(config),
                "run",
                "--listen",
                f"127.0.0.1:{port}",
            ],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            health = None
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                    if health.status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
                time.sleep(0.2)
            assert health is not None and health.status_code == 200, health and health.text
            assert health.json()["shops"]["outlet"]["healthy"] is True
            metrics = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
            assert 'connector_cycles_total{outcome="ok",shop="outlet"} 1' in metrics
            assert 'connector_api_requests_total{purpose="sync",shop="outlet"}' in metrics
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
        log = process.stderr.read() if process.stderr else ""
    assert "shop=outlet" in log
    assert "stopped" in log
    assert creds["consumer_secret"] not in log
