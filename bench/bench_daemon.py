"""Daemon benchmarks, run by hand: ``python bench/bench_daemon.py [--postgres URL]``.

* webhook endpoint: signed deliveries per second over real HTTP (threads posting at once), each
  verified, de-duplicated and queued in the database; and the latency a platform sees;
* leases: acquire-and-renew round trips per second (the daemon's per-cycle overhead).

Prints one line per measurement; copy the numbers into docs/deployment.md with the machine and date.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import tempfile
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from connector.clock import system_clock
from connector.db import open_database
from connector.lease import acquire, renew
from connector.model import Platform
from connector.platform import ApiUsage, ResyncTarget, WebhookEvent
from connector.sandbox.base import SandboxServer
from connector.settings import Secret, ShopSettings
from connector.signing import sign, verify
from connector.web.webhooks import WebhookApp

SECRET = "bench-secret"


class Verifier:
    """The webhook door of an adapter: HMAC check and JSON parse, as the real ones do."""

    platform = Platform.SHOPIFY
    shop = "bench"
    usage = ApiUsage()

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        from connector.errors import AuthError

        if not verify(SECRET, body, headers.get("X-Shopify-Hmac-Sha256")):
            raise AuthError("bad signature")
        order = json.loads(body)["id"]
        return WebhookEvent(
            Platform.SHOPIFY,
            "bench",
            "orders/updated",
            headers["X-Shopify-Webhook-Id"],
            ResyncTarget(order_ids=(f"gid://shopify/Order/{order}",)),
        )


def bench_webhooks(url: str, deliveries: int = 2000, threads: int = 8) -> None:
    db = open_database(url)
    shop = ShopSettings(
        "bench", Platform.SHOPIFY, "https://bench.myshopify.com", client_secret=Secret(SECRET)
    )
    app = WebhookApp(
        engine=db.engine, shops=[shop], adapters={"bench": Verifier()}, clock=system_clock
    )  # type: ignore[dict-item]
    latencies: list[float] = []
    lock = threading.Lock()
    with SandboxServer(app) as server:

        def post(start: int) -> None:
            session = requests.Session()
            for n in range(start, deliveries, threads):
                body = json.dumps({"id": n % (deliveries // 2), "note": "x" * 2000}).encode()
                headers = {
                    "X-Shopify-Hmac-Sha256": sign(SECRET, body),
                    "X-Shopify-Webhook-Id": f"delivery-{n % (deliveries // 2)}",  # half are replays
                    "X-Shopify-Shop-Domain": "bench.myshopify.com",
                    "X-Shopify-Topic": "orders/updated",
                }
                began = time.perf_counter()
                session.post(
                    f"{server.base_url}/webhooks/shopify", data=body, headers=headers, timeout=10
                )
                with lock:
                    latencies.append(time.perf_counter() - began)

        began = time.perf_counter()
        workers = [threading.Thread(target=post, args=(i,)) for i in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - began
    latencies.sort()
    print(
        f"webhooks on {db.engine.dialect.name}: {deliveries / elapsed:.0f} deliveries/s "
        f"({threads} senders, half replays), median {statistics.median(latencies) * 1000:.1f} ms, "
        f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:.1f} ms"
    )
    db.close()


def bench_leases(url: str, rounds: int = 500) -> None:
    db = open_database(url)
    now = datetime.now(UTC)
    began = time.perf_counter()
    for n in range(rounds):
        acquire(db.engine, f"shop-{n % 10}", "bench", now, timedelta(minutes=2))
        renew(db.engine, f"shop-{n % 10}", "bench", now, timedelta(minutes=2))
    elapsed = time.perf_counter() - began
    print(f"leases on {db.engine.dialect.name}: {rounds / elapsed:.0f} acquire+renew per second")
    db.close()


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--postgres", help="also measure on this PostgreSQL URL (an empty database)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        bench_webhooks(url)
        bench_leases(url)
    if args.postgres:
        bench_webhooks(args.postgres)
        bench_leases(args.postgres)


if __name__ == "__main__":
    main()
