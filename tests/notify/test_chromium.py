"""Each HTML mail loads in a real browser engine (headless Chromium) and paints a screenshot."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from connector.notify.render import Renderer
from connector.notify.samples import SAMPLE_ALTERNATIVES, sample_notification, sample_shop
from connector.notify.screenshot import find_chromium, screenshot
from templates import EVENTS, TEMPLATES_DIR, locales_in

pytestmark = pytest.mark.chromium


@pytest.fixture(scope="module")
def chromium() -> str:
    shift = os.environ.get("CONNECTOR_CLOCK_SHIFT")
    if shift:
        # .ci/run's faketime pass: libfaketime is preloaded into every child, and Chromium hangs
        # under it. What Chromium draws is our HTML, whose dates the rest of the pass checks.
        pytest.skip(f"Chromium hangs under faketime (clock moved {shift}); runs in the plain pass")
    found = find_chromium()
    if found is None:
        reason = "headless Chromium not installed (apt-get install chromium)"
        if os.environ.get("CONNECTOR_REQUIRE_CHROMIUM") == "1":
            pytest.fail(f"CONNECTOR_REQUIRE_CHROMIUM=1 but {reason}")
        pytest.skip(reason)
    return found


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


@pytest.mark.parametrize("locale", locales_in(TEMPLATES_DIR))
def test_every_html_mail_renders_to_a_screenshot(
    chromium: str, locale: str, tmp_path: Path
) -> None:
    renderer = Renderer()
    shop = sample_shop(locale)
    for event in EVENTS:
        mail = renderer.render(
            sample_notification(event, locale, currency=shop.currency), shop, SAMPLE_ALTERNATIVES
        )
        page = tmp_path / f"{event}.html"
        page.write_text(mail.html, encoding="utf-8")
        shot = screenshot(page, tmp_path / f"{event}.png")
        data = shot.read_bytes()
        assert png_size(data) == (700, 1200)
        # A blank page compresses to a few hundred bytes; a painted mail is tens of kilobytes.
        assert len(data) > 10_000, f"{locale}/{event} painted an empty page"
