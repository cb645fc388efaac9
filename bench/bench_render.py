"""Rendering throughput: notifications rendered to subject + HTML + text per second (run by hand).

    .venv/bin/python bench/bench_render.py [--seconds 5]

Target: >= 1,000 messages/s on one core. Mixes every event and both shipped locales, the way a busy
cycle would; the environment and its template cache are built once, as in the daemon.
"""

from __future__ import annotations

import argparse
import itertools
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connector.notify.render import Renderer
from connector.notify.samples import SAMPLE_ALTERNATIVES, sample_notification, sample_shop
from templates import EVENTS, TEMPLATES_DIR, locales_in


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    renderer = Renderer()
    work = []
    for locale in locales_in(TEMPLATES_DIR):
        shop = sample_shop(locale)
        for event in EVENTS:
            work.append((sample_notification(event, locale, currency=shop.currency), shop))
    for notification, shop in work:  # warm the template cache, as a running daemon has it
        renderer.render(notification, shop, SAMPLE_ALTERNATIVES)
    count = 0
    html_bytes = 0
    start = time.perf_counter()
    deadline = start + args.seconds
    for notification, shop in itertools.cycle(work):
        mail = renderer.render(notification, shop, SAMPLE_ALTERNATIVES)
        html_bytes += len(mail.html)
        count += 1
        if count % 100 == 0 and time.perf_counter() >= deadline:
            break
    elapsed = time.perf_counter() - start
    print(
        f"python {platform.python_version()} on {platform.machine()}, {platform.processor() or '?'}"
    )
    print(f"rendered {count} messages in {elapsed:.2f} s: {count / elapsed:,.0f} messages/s")
    print(f"average HTML part {html_bytes / count / 1024:.1f} KiB; target >= 1,000 messages/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
