"""Structured logs: the shop on every line, JSON when asked, never a secret."""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Iterator

import pytest

from connector.logs import configure_logging, redact, shop_context
from connector.settings import Secret


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    out = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    yield out
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def test_text_lines_carry_the_shop_of_the_work_in_hand(stream: io.StringIO) -> None:
    configure_logging("text", stream=stream)
    log = logging.getLogger("connector.cycle")
    log.info("starting")
    with shop_context("acme"):
        log.info("synced %d orders", 12)

    def other_thread() -> None:
        with shop_context("outlet"):
            log.warning("throttled")

    worker = threading.Thread(target=other_thread)
    worker.start()
    worker.join()
    lines = stream.getvalue().splitlines()
    assert "shop=- connector.cycle: starting" in lines[0]
    assert "shop=acme connector.cycle: synced 12 orders" in lines[1]
    assert "shop=outlet" in lines[2] and "WARNING" in lines[2]


def test_json_lines_are_one_object_each_with_extra_fields(stream: io.StringIO) -> None:
    configure_logging("json", stream=stream)
    with shop_context("acme"):
        logging.getLogger("connector.daemon").info("cycle ok", extra={"job": "cycle"})
    record = json.loads(stream.getvalue())
    assert record["shop"] == "acme"
    assert record["message"] == "cycle ok"
    assert record["job"] == "cycle"
    assert record["level"] == "info"


def test_no_secret_reaches_a_line(stream: io.StringIO) -> None:
    configure_logging("json", stream=stream)
    log = logging.getLogger("connector.http")
    token = "shpat_0123456789abcdef0123456789abcdef"
    log.warning("token %s refused", token)
    log.warning(
        "GET /wp-json/wc/v3/orders?consumer_key=ck_abcdef0123456789&consumer_secret=cs_9876543210fedcba"
    )
    log.warning(
        "headers {'X-Shopify-Access-Token': '%s', 'Authorization': 'Basic Y2tfYWJjOmNzX2RlZg=='}",
        token,
    )
    log.warning("db postgresql+psycopg://connector:hunter2@db.internal:5432/connector")
    log.warning("settings %s", Secret("super-secret-value"))
    try:
        raise RuntimeError(f"refused {token}")
    except RuntimeError:
        log.exception("boom")
    text = stream.getvalue()
    for secret in (
        "0123456789abcdef0123",
        "abcdef0123456789",
        "9876543210fedcba",
        "Y2tfYWJj",
        "hunter2",
        "super-secret-value",
    ):
        assert secret not in text
    assert "shpat_***" in text and "consumer_key=***" in text


def test_redact_keeps_ordinary_text() -> None:
    text = "order #1042 for ck-chair-3 ships 2026-12-01; see https://shop.example/orders/1042"
    assert redact(text) == text
