"""Screenshots of what a shopper sees for docs/storefront.md (not a test).

    .venv/bin/python scripts/storefront_snapshots.py

Shopify: runs the Shopify sandbox on 127.0.0.1, adds a purchase order and syncs with the real
CLI (`run --once`), so the connector writes the variant's ETA metafield; then renders the
sandbox's product page (connector/sandbox/shopify/product_page.py: the shipped Liquid snippet,
fed the sandbox's own metafields) and has headless Chromium take docs/storefront/shopify.png.

WooCommerce: the same against the WooCommerce sandbox; the plugin runs under php-cli
(tests/deploy/wp_harness.php) on the label the connector wrote, and its availability text is put
where WooCommerce's single-product template puts it (``<p class="stock ...">``). There is no
WordPress on the machine, so the page around it is a plain stand-in, not a theme.
"""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from connector.cli.main import main as cli  # noqa: E402
from connector.clock import NOW_ENV, FrozenClock  # noqa: E402
from connector.notify.screenshot import screenshot  # noqa: E402
from connector.sandbox.seed import demo_spec  # noqa: E402

SKU = "MUG-000006-1"
OUT = ROOT / "docs" / "storefront"
CONFIG = """
database_url = "sqlite:///{db}"

[email]
transport = "folder"
folder = "{outbox}"
owner_email = "owner@example.com"

{shop}

[[policies]]
name = "backorders"
mode = "backorder"

[policies.match]
skus = ["*"]

[default_policy]
name = "default"
mode = "stop"
"""
SHOPS = {
    "shopify": """[[shops]]
name = "outlet"
platform = "shopify"
url = "{url}"
access_token = "env:SHOP_KEY"
client_secret = "env:SHOP_HOOK"
""",
    "woocommerce": """[[shops]]
name = "outlet"
platform = "woocommerce"
url = "{url}"
consumer_key = "env:SHOP_KEY"
consumer_secret = "env:SHOP_SECRET"
webhook_secret = "env:SHOP_HOOK"
""",
}


def sync(platform: str, store: object, folder: Path) -> None:
    creds = store.credentials()  # type: ignore[attr-defined]
    os.environ["SHOP_KEY"] = creds.get("access_token") or creds["consumer_key"]
    os.environ["SHOP_SECRET"] = creds.get("consumer_secret", "unused")
    os.environ["SHOP_HOOK"] = "hook-secret"
    config = folder / f"{platform}.toml"
    config.write_text(
        CONFIG.format(
            db=folder / f"{platform}.db",
            outbox=folder / "outbox",
            shop=SHOPS[platform].format(url=store.base_url),  # type: ignore[attr-defined]
        )
    )
    args = ["--config", str(config)]
    cli([*args, "po", "add", "--sku", SKU, "--quantity", "20", "--expected", "2026-11-24"])
    cli([*args, "run", "--once"])


def shopify(folder: Path) -> None:
    from connector.sandbox.shopify import ShopifySandbox
    from connector.sandbox.shopify.product_page import product_page

    with ShopifySandbox(demo_spec(), clock=FrozenClock(demo_spec().start)) as store:
        sync("shopify", store, folder)
        page = folder / "shopify.html"
        page.write_text(product_page(store.data, SKU))
    screenshot(page, OUT / "shopify.png", width=760, height=420)


def woocommerce(folder: Path) -> None:
    from connector.sandbox.woocommerce import WooCommerceSandbox

    with WooCommerceSandbox(demo_spec(), clock=FrozenClock(demo_spec().start)) as store:
        sync("woocommerce", store, folder)
        state = store.state()
    rows = [*state["products"], *state["variations"]]
    [row] = [r for r in rows if r.get("sku") == SKU]
    meta = {str(m["key"]): str(m["value"]) for m in row.get("meta_data") or ()}
    done = subprocess.run(
        ["php", str(ROOT / "tests/deploy/wp_harness.php"),
         str(ROOT / "deploy/woocommerce/backorder-connector-eta.php")],
        input=json.dumps({"meta": meta, "woocommerce_text": "Available on backorder"}),
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    shown = json.loads(done.stdout)
    parent = next((p for p in state["products"] if p.get("id") == row.get("parent_id")), row)
    title = html.escape(str(parent.get("name") or SKU))
    page = folder / "woocommerce.html"
    page.write_text(f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<style>
 body {{ font-family: Georgia, serif; margin: 2rem; color: #333; max-width: 40rem; }}
 .price {{ color: #77a464; font-size: 1.25rem; }}
 .stock.available-on-backorder {{ color: #eaa600; }}
 button {{ background: #7f54b3; color: #fff; border: 0; padding: .7rem 1.4rem; font-size: 1rem; }}
 .muted {{ color: #888; font-size: .8rem; margin-top: 2rem; }}
</style></head><body>
<h1 class="product_title">{title}</h1>
<p class="price">{html.escape(str(row.get("price")))} kr</p>
<p class="stock available-on-backorder">{html.escape(shown["availability"])}</p>
<form class="cart"><input type="number" value="1" style="width:3rem"> <button>Add to cart</button></form>
<p class="muted">Instead of WooCommerce's "Available on backorder": the plugin's
woocommerce_get_availability_text filter, on the label the connector wrote.</p>
</body></html>""")
    screenshot(page, OUT / "woocommerce.png", width=760, height=380)


if __name__ == "__main__":
    os.environ[NOW_ENV] = demo_spec().start.isoformat()
    with tempfile.TemporaryDirectory() as tmp:
        shopify(Path(tmp))
        woocommerce(Path(tmp))
    print(f"wrote {OUT}/shopify.png and {OUT}/woocommerce.png")
