"""Write a snapshot of every mail in every locale to docs/emails/ for reviewers (not a test).

    .venv/bin/python scripts/email_snapshots.py [--no-png]

For each locale and event: ``<locale>/<event>.html`` (HTML part), ``.txt`` (subject + plain-text
part) and, when Chromium is installed, ``.png`` (a 700x1200 screenshot).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from connector.notify.render import Renderer  # noqa: E402
from connector.notify.samples import sample_alternatives, sample_notification, sample_shop  # noqa: E402
from connector.notify.screenshot import find_chromium, screenshot  # noqa: E402
from templates import EVENTS, TEMPLATES_DIR, locales_in  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "emails")
    parser.add_argument("--no-png", action="store_true")
    args = parser.parse_args()
    renderer = Renderer()
    pngs = not args.no_png and find_chromium() is not None
    for locale in locales_in(TEMPLATES_DIR):
        shop = sample_shop(locale)
        folder = args.out / locale
        folder.mkdir(parents=True, exist_ok=True)
        for event in EVENTS:
            notification = sample_notification(event, locale, currency=shop.currency)
            mail = renderer.render(notification, shop, sample_alternatives(locale, shop.currency))
            html = folder / f"{event}.html"
            html.write_text(mail.html, encoding="utf-8")
            (folder / f"{event}.txt").write_text(
                f"Subject: {mail.subject}\n\n{mail.text}", encoding="utf-8"
            )
            if pngs:
                screenshot(html, folder / f"{event}.png", height=1800)
            print(f"{locale}/{event}: {mail.subject}")
    if not pngs:
        print("no PNGs written (chromium missing or --no-png)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
