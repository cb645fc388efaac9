"""One ``connector run``-like daemon process for the multi-daemon test.

Usage: ``python -m tests.e2e.worker CONFIG.json NAME``. It works every shop in short cycles until
``stop_file`` appears, logging to ``journal`` (one JSON line each, appended atomically):

* ``{"work": shop, "start": t0, "end": t1}`` around every cycle it ran under the lease;
* ``{"sent": message_id}`` for every email its transport accepted;
* ``{"done": key}`` for every write the shop reported done.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from connector import daemon as daemon_module
from connector.db import open_database
from connector.demo import demo_settings
from connector.model import Platform, WriteStatus
from connector.notify.transports import FolderTransport


class Journal:
    def __init__(self, path: Path, name: str) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.name = name

    def write(self, **entry: Any) -> None:
        line = json.dumps({"worker": self.name, **entry}) + "\n"
        os.write(self.fd, line.encode())  # one write per line: O_APPEND keeps lines whole


def main(config_path: str, name: str) -> None:
    config = json.loads(Path(config_path).read_text())
    journal = Journal(Path(config["journal"]), name)
    shops = [
        SimpleNamespace(
            name=shop["name"],
            platform=Platform(shop["platform"]),
            store=SimpleNamespace(
                base_url=shop["url"], credentials=lambda s=shop: s["credentials"]
            ),
        )
        for shop in config["shops"]
    ]
    settings = demo_settings(shops, config["database_url"], Path(config["outbox"]))  # type: ignore[arg-type]
    settings = type(settings)(
        shops=settings.shops,
        database_url=settings.database_url,
        schedule=type(settings.schedule)(lease_seconds=config["lease_seconds"]),
        email=settings.email,
        policies=settings.policies,
        default_policy=settings.default_policy,
    )
    original = daemon_module.run_cycle  # type: ignore[attr-defined]

    def journalled_cycle(deps: Any, **kwargs: Any) -> Any:
        start = time.time()
        report = original(deps, **kwargs)
        for result in (*report.storefront_results, *report.order_results):
            if result.status is WriteStatus.DONE:
                journal.write(done=result.key)
        journal.write(work=deps.shop, start=start, end=time.time())
        return report

    daemon_module.run_cycle = journalled_cycle  # type: ignore[attr-defined]

    class JournalledFolder(FolderTransport):
        def send(self, message: Any, sender: str, recipients: list[str]) -> None:
            super().send(message, sender, recipients)
            journal.write(sent=str(message["Message-ID"]))

    planner = None
    if config.get("planner"):  # "module:function", for trying the daemon with another planner
        module, _, attr = config["planner"].partition(":")
        planner = getattr(importlib.import_module(module), attr)
    db = open_database(config["database_url"])
    daemon = daemon_module.Daemon(
        settings,
        db,
        planner=planner,
        holder=name,
        transport_factory=lambda: JournalledFolder(config["outbox"]),
        renew_every=config["lease_seconds"] / 3,
    )
    stop = Path(config["stop_file"])
    loops = 0
    while not stop.exists():
        loops += 1
        worked = False
        for shop in daemon.shops:
            try:
                worked = daemon.work_shop(shop.name) is not None or worked
            except Exception as error:  # a faulty shop answer: the next cycle retries
                journal.write(error=f"{shop.name}: {type(error).__name__}: {error}"[:300])
        try:
            if loops % 4 == 0:  # as the daemon does: delivery is its own, slower job
                daemon.deliver_outbox()
        except Exception as error:
            journal.write(error=f"outbox: {error}"[:300])
        # A daemon with no shop to work waits longer, as the real one waits for its next tick.
        time.sleep(config["pause"] if worked else 0.2)
    daemon.deliver_outbox()
    daemon.close()
    db.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
