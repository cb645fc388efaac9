"""`connector sandbox shopify` runs a shop as a process and prints its credentials."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import requests


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_sandbox_command_serves_a_shop_with_the_printed_token() -> None:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "connector.cli.main",
            "sandbox",
            "shopify",
            "--port",
            str(port),
            "--seed",
            "3",
            "--products",
            "4",
            "--orders",
            "3",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines: dict[str, str] = {}
        deadline = time.monotonic() + 20
        while "app secret" not in lines and time.monotonic() < deadline:
            line = process.stdout.readline()
            if ":" in line:
                key, _, value = line.strip().partition(":")
                lines[key.strip()] = value.strip()
        token = lines["access token"]
        assert token.startswith("shpat_") and len(lines["app secret"]) >= 32
        answer = requests.post(
            f"http://127.0.0.1:{port}/admin/api/2026-10/graphql.json",
            json={"query": "{ products(first: 10) { nodes { id } } }"},
            headers={"X-Shopify-Access-Token": token},
            timeout=5,
        ).json()
        assert len(answer["data"]["products"]["nodes"]) == 4
    finally:
        process.terminate()
        process.wait(timeout=10)
