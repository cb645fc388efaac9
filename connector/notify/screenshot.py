"""Headless Chromium screenshots of rendered HTML mail, for reviewers and the load test.

Not used when sending mail; the tests and ``scripts/email_snapshots.py`` call it. Every host name
resolves to nothing, so a screenshot never reaches the network (images fall back to their alt text).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["ScreenshotError", "find_chromium", "screenshot"]

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)


class ScreenshotError(RuntimeError):
    """Chromium did not produce a screenshot."""


def find_chromium() -> str | None:
    """The Chromium binary on PATH (Debian's ``chromium``), or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def screenshot(
    html_file: Path, png_file: Path, *, width: int = 700, height: int = 1200, timeout: float = 60.0
) -> Path:
    """Render ``html_file`` to ``png_file``; raises :class:`ScreenshotError` when nothing comes out."""
    binary = find_chromium()
    if binary is None:
        raise ScreenshotError("chromium is not installed")
    png_file.parent.mkdir(parents=True, exist_ok=True)
    png_file.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        command = [
            binary,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--screenshot={png_file.resolve()}",
            f"--window-size={width},{height}",
            html_file.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired as error:
            raise ScreenshotError(f"chromium timed out after {timeout}s") from error
    if not png_file.exists() or png_file.stat().st_size == 0:
        raise ScreenshotError(f"chromium exit {done.returncode}: {done.stderr.strip()[-400:]}")
    return png_file
