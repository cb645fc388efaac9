"""`connector install woocommerce` (the /wc-auth key flow) and `connector sandbox woocommerce`."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import requests
from click.testing import CliRunner
from woocommerce import API

from connector.cli.main import cli
from connector.cli.woocommerce_commands import run_key_flow
from connector.sandbox.woocommerce import WooCommerceSandbox


def approve(link: str) -> None:
    """The store owner clicks Approve: the sandbox posts the key to our callback."""
    threading.Thread(
        target=requests.get,
        args=(link,),
        kwargs={"timeout": 5, "allow_redirects": False},
        daemon=True,
    ).start()


def test_the_key_flow_receives_a_working_read_write_key() -> None:
    with WooCommerceSandbox() as store:
        result = run_key_flow(store.base_url, open_url=approve, timeout=10)
        assert result.permissions == "read_write"
        assert result.consumer_secret not in repr(result)
        api = API(store.base_url, result.consumer_key, result.consumer_secret, version="wc/v3")
        assert api.post("products", {"name": "Made with the new key"}).status_code == 201


def test_install_command_writes_the_key_file_private(tmp_path: Path) -> None:
    with WooCommerceSandbox() as store:
        output = tmp_path / "keys.toml"
        runner = CliRunner()

        def opener(url: str, new: int = 0, autoraise: bool = True) -> bool:
            approve(url)
            return True

        import webbrowser

        webbrowser_open, webbrowser.open = webbrowser.open, opener
        try:
            answer = runner.invoke(
                cli, ["install", "woocommerce", "--url", store.base_url, "--output", str(output)]
            )
        finally:
            webbrowser.open = webbrowser_open
        assert answer.exit_code == 0, answer.output
        text = output.read_text()
        assert 'consumer_key = "ck_' in text and 'consumer_secret = "cs_' in text
        secret = text.split('consumer_secret = "')[1].split('"')[0]
        assert secret not in answer.output  # only the file holds the secret
        assert stat.S_IMODE(os.stat(output).st_mode) == 0o600


def test_sandbox_command_prints_url_and_credentials() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "connector.cli.main",
            "sandbox",
            "woocommerce",
            "--port",
            "0",
            "--products",
            "3",
            "--orders",
            "2",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
        assert lines[0].startswith("WooCommerce sandbox at http://127.0.0.1:")
        base = lines[0].split(" at ")[1].strip()
        key = lines[1].split("=")[1].strip()
        secret = lines[2].split("=")[1].strip()
        assert key.startswith("ck_") and secret.startswith("cs_")
        listed = API(base, key, secret, version="wc/v3").get("products")
        assert listed.status_code == 200 and listed.headers["X-WP-Total"] == "3"
    finally:
        process.terminate()
        process.wait(timeout=10)
