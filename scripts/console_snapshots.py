"""Screenshots of the support console's pages for docs/console.md (not a test).

    .venv/bin/python scripts/console_snapshots.py

Runs the WooCommerce sandbox on 127.0.0.1, syncs it with the real CLI on the sandbox's day,
logs in to the daemon's /console as an owner, presses Resync on a waiting order, adds a purchase
order, previews a sheet to import, and has headless Chromium render each page (the plan, the
reorder suggestions and the report among them) to docs/console/<page>.png (1200 px wide).
"""

from __future__ import annotations

import io
import os
import re
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from werkzeug.test import Client  # noqa: E402

from connector.cli.main import main as cli  # noqa: E402
from connector.clock import NOW_ENV, FrozenClock  # noqa: E402
from connector.config import load_settings  # noqa: E402
from connector.daemon import Daemon  # noqa: E402
from connector.db import open_database  # noqa: E402
from connector.lease import database_clock  # noqa: E402
from connector.notify.screenshot import screenshot  # noqa: E402
from connector.sandbox.seed import demo_spec  # noqa: E402
from connector.sandbox.woocommerce import WooCommerceSandbox  # noqa: E402
from connector.web.passwords import hash_password  # noqa: E402

PASSWORD = "a password for the screenshots"
CONFIG = """
database_url = "sqlite:///{db}"

[email]
transport = "folder"
folder = "{outbox}"

[[shops]]
name = "outlet"
platform = "woocommerce"
url = "{url}"
consumer_key = "env:OUTLET_KEY"
consumer_secret = "env:OUTLET_SECRET"
webhook_secret = "env:OUTLET_HOOK"
requests_per_second = 100
notify_existing = true

[[policies]]
name = "backorders"
mode = "backorder"
lead_time_days = 21

[policies.match]
skus = ["*"]

[console]
secret = "env:CONNECTOR_CONSOLE_SECRET"

[[console.users]]
name = "olive"
role = "owner"
password_hash = "{hash}"
"""


def _csrf(page: str) -> str:
    return re.findall(r'name="csrf" value="([^"]+)"', page)[0]


def main() -> int:
    out = ROOT / "docs" / "console"
    with (
        tempfile.TemporaryDirectory() as work,
        WooCommerceSandbox(demo_spec(), clock=FrozenClock(demo_spec().start)) as store,
    ):
        folder = Path(work)
        creds = store.credentials()
        os.environ.update(
            OUTLET_KEY=creds["consumer_key"],
            OUTLET_SECRET=creds["consumer_secret"],
            OUTLET_HOOK="hook",
            CONNECTOR_CONSOLE_SECRET="s" * 40,
        )
        os.environ[NOW_ENV] = store.clock().isoformat()
        config = folder / "connector.toml"
        config.write_text(
            CONFIG.format(
                db=folder / "state.db",
                outbox=folder / "outbox",
                url=store.base_url,
                hash=hash_password(PASSWORD),
            )
        )
        assert cli(["--config", str(config), "run", "--once"]) == 0
        settings = load_settings(config)
        clock = FrozenClock(store.clock())
        db = open_database(settings.database_url, clock=clock)
        daemon = Daemon(settings, db, clock=clock, lease_clock=database_clock(db.engine))
        client = Client(daemon.web_app())
        pages: dict[str, str] = {"login": client.get("/console/login").get_data(as_text=True)}
        client.post(
            "/console/login",
            data={"csrf": _csrf(pages["login"]), "user": "olive", "password": PASSWORD},
        )
        pages["overview"] = client.get("/console/").get_data(as_text=True)
        entry = db.queue("outlet")[0]
        order = db.order("outlet", entry.order_id)
        assert order is not None
        page = client.get(f"/console/orders?q={order.number}", follow_redirects=True)
        client.post(
            "/console/order/resync",
            data={
                "csrf": _csrf(page.get_data(as_text=True)),
                "shop": "outlet",
                "id": order.platform_id,
            },
        )
        daemon.work_shop("outlet")
        clock.advance(timedelta(minutes=3))
        client.post(
            "/console/purchase-orders",
            data={
                "csrf": _csrf(pages["overview"]),
                "shop": "outlet",
                "sku": entry.sku,
                "quantity": "20",
                "expected": str(clock().date() + timedelta(days=4)),
                "supplier": "Nordic Chairs",
                "reference": "SUP-7",
            },
        )
        pages["purchase-orders"] = client.get("/console/purchase-orders").get_data(as_text=True)
        # Before the cycle: the plan worked out now shows what the new PO will change.
        pages["plan"] = client.get("/console/plan?fresh=1").get_data(as_text=True)
        due = clock().date() + timedelta(days=12)
        sheet = (
            "sku,quantity,expected_date,supplier,reference\n"
            f"{entry.sku},10,{due},Nordic Chairs,SUP-8\n"
            f"{entry.sku},lots,{due},Nordic Chairs,SUP-9\n"
            f"LAMP-TYPO,4,{due},Lamps AB,LA-1\n"
        )
        pages["po-import"] = client.post(
            "/console/purchase-orders/import",
            data={
                "csrf": _csrf(pages["overview"]),
                "shop": "outlet",
                "file": (io.BytesIO(sheet.encode()), "purchase-orders.csv"),
            },
            content_type="multipart/form-data",
        ).get_data(as_text=True)
        daemon.work_shop("outlet")
        clock.advance(timedelta(days=6))  # the demo's orders age, for the report's charts
        for _ in range(4):  # the daemon's cycles of four days: the overview's charts
            daemon.work_shop("outlet")
            clock.advance(timedelta(days=1))
        daemon.work_shop("outlet")
        login = client.get("/console/login").get_data(as_text=True)  # the session's hours ran out
        client.post(
            "/console/login", data={"csrf": _csrf(login), "user": "olive", "password": PASSWORD}
        )
        pages["overview"] = client.get("/console/").get_data(as_text=True)
        pages["reorder"] = client.get("/console/reorder").get_data(as_text=True)
        pages["report"] = client.get("/console/report").get_data(as_text=True)
        url = f"/console/order?shop=outlet&id={order.platform_id}"
        pages["order"] = client.get(url).get_data(as_text=True)
        pages["audit"] = client.get("/console/audit").get_data(as_text=True)
        daemon.close()
        db.close()
        for name, html in pages.items():
            source = folder / f"{name}.html"
            source.write_text(html, encoding="utf-8")
            height = {"order": 1500, "report": 1300, "po-import": 1100, "overview": 1300}.get(
                name, 900
            )
            screenshot(source, out / f"{name}.png", width=1200, height=height)
            print(f"docs/console/{name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
