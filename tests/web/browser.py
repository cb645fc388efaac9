"""A headless Chromium driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``):
no websocket library, no network beyond 127.0.0.1. Just enough for the console's browser test:
open a URL, run a line of JavaScript in the page, wait for a condition, take a screenshot."""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import subprocess
import tempfile
import time
from typing import Any

from connector.notify.screenshot import FLAGS


def _high(fd: int) -> int:
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


class Browser:
    def __init__(self, binary: str, width: int = 1200, height: int = 1000) -> None:
        self._profile = tempfile.TemporaryDirectory(prefix="chromium-profile-")
        to_child, self._out = os.pipe()
        self._in, from_child = os.pipe()
        # The child's ends above 9, so putting them at 3 and 4 cannot overwrite one with the other.
        to_child, from_child = _high(to_child), _high(from_child)

        # The protocol's fds: 3 is what Chromium reads, 4 what it writes. bash puts the pipes
        # there (a preexec_fn is unsafe once the test's server threads run).
        self._process = subprocess.Popen(
            [
                "/bin/bash",
                "-c",
                f'exec "$0" "$@" 3<&{to_child} 4>&{from_child}',
                binary,
                *(flag for flag in FLAGS if not flag.startswith("--host-resolver-rules")),
                # Every name resolves to nothing but the console's own address.
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                f"--user-data-dir={self._profile.name}",
                f"--window-size={width},{height}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            pass_fds=(to_child, from_child),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=None if os.environ.get("BROWSER_DEBUG") else subprocess.DEVNULL,
        )
        os.close(to_child)
        os.close(from_child)
        self._buffer = b""
        self._next = 0
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        attached = self.call("Target.attachToTarget", targetId=target, flatten=True)
        self._session = attached["sessionId"]
        self.call("Page.enable", session=True)

    def call(self, method: str, *, session: bool = False, **params: Any) -> Any:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if session:
            message["sessionId"] = self._session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            while b"\0" not in self._buffer:
                chunk = os.read(self._in, 65536)
                if not chunk:
                    raise RuntimeError("chromium closed the pipe")
                self._buffer += chunk
            raw, _, self._buffer = self._buffer.partition(b"\0")
            answer = json.loads(raw)
            if answer.get("id") == self._next:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
        raise TimeoutError(method)

    def open(self, url: str) -> None:
        self.call("Page.navigate", session=True, url=url)
        self.wait("document.readyState === 'complete' && location.href !== 'about:blank'")

    def run(self, script: str) -> Any:
        result = self.call("Runtime.evaluate", session=True, expression=script, returnByValue=True)
        return result.get("result", {}).get("value")

    def wait(self, condition: str, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.run(f"document.readyState === 'complete' && ({condition})"):
                    return
            except RuntimeError:
                pass  # the page is between two documents
            time.sleep(0.05)
        raise TimeoutError(f"{condition} (at {self.run('location.href')})")

    def text(self) -> str:
        return str(self.run("document.body.innerText"))

    def screenshot(self) -> bytes:
        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        return base64.b64decode(data)

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, OSError, TimeoutError):
            self.call("Browser.close")
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._out)
        os.close(self._in)
        self._profile.cleanup()
