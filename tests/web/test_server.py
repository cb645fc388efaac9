"""The production endpoint's server: real HTTP on 127.0.0.1, bounded, not the sandbox's dev server."""

from __future__ import annotations

import socket
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
import requests

from connector.web.server import ServerLimits, WebhookServer


def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"got {len(body)} bytes".encode()]


@pytest.fixture
def server() -> Iterator[WebhookServer]:
    limits = ServerLimits(
        threads=2, connection_limit=4, channel_timeout=5, max_request_body_size=1000
    )
    server = WebhookServer(app, host="127.0.0.1", port=0, limits=limits)
    server.start()
    yield server
    server.stop()


def test_a_delivery_within_the_limits_is_answered(server: WebhookServer) -> None:
    response = requests.post(
        f"http://127.0.0.1:{server.port}/webhooks/shopify", data=b"x" * 10, timeout=5
    )
    assert response.status_code == 200 and response.text == "got 10 bytes"


def test_a_body_above_the_cap_is_refused_before_the_app_reads_it(server: WebhookServer) -> None:
    response = requests.post(
        f"http://127.0.0.1:{server.port}/webhooks/shopify", data=b"x" * 5000, timeout=5
    )
    assert response.status_code == 413


def test_the_server_stops_and_frees_its_port() -> None:
    server = WebhookServer(app, host="127.0.0.1", port=0)
    server.start()
    port = server.port
    server.stop()
    with socket.socket() as probe:
        probe.settimeout(2)
        assert probe.connect_ex(("127.0.0.1", port)) != 0
