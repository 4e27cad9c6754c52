"""Screenshot a report's overview for the README (docs/overview.png), with the system Chromium.

    python docs/screenshot_overview.py reports/demo/report.html            # after `make demo`
    python docs/screenshot_overview.py reports/demo/report.html --out docs/overview.png

The picture is made from a real run, not by hand: the page is opened at 1280 px, as a reader would,
and the overview section (``#summary``; the top of the page when a report has none) is captured.
Needs playwright (the test extra) and Chromium (``apt-get install chromium``).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "overview.png")
    parser.add_argument("--selector", default="#summary")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("Chromium not found: apt-get install chromium", file=sys.stderr)
        return 2
    if not args.report.is_file():
        print(f"{args.report}: no such report (run `make demo` first)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
        page.goto(args.report.resolve().as_uri())
        element = page.query_selector(args.selector)
        if element is not None:
            element.screenshot(path=str(args.out))
        else:
            page.screenshot(path=str(args.out))
        browser.close()
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
