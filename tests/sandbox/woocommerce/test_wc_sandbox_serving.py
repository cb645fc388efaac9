"""The sandbox's serving controls (issue 19): the Retry-After it sends with injected 429/503, and
the API requests it counts in its own serving time, set in-process or under ``/__sandbox/``."""

from __future__ import annotations

import requests

from connector.sandbox.woocommerce import WooCommerceSandbox
from connector.sandbox.woocommerce.wsgi import serving


def test_retry_after_is_sent_as_set_and_only_api_requests_count_as_served() -> None:
    with WooCommerceSandbox() as store:
        control = f"{store.base_url}/__sandbox/serving"
        shown = requests.post(control, json={"retry_after": "7", "reset": True}, timeout=5).json()
        assert shown["result"]["requests"] == 0 and shown["result"]["retry_after"] == "7"
        store.faults.inject("503", 1)
        answer = requests.get(f"{store.base_url}/wp-json/wc/v3/products", timeout=5)
        assert answer.status_code == 503 and answer.headers["Retry-After"] == "7"
        serving(store).retry_after = None
        store.faults.inject("429", 1)
        answer = requests.get(f"{store.base_url}/wp-json/wc/v3/products", timeout=5)
        assert answer.status_code == 429 and "Retry-After" not in answer.headers
        # Two API answers served; the control calls are not the store's work.
        stats = requests.post(control, json={}, timeout=5).json()["result"]
        assert stats["requests"] == 2 and stats["seconds"] > 0
