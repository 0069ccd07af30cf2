"""The browser every browser test and benchmark uses: Debian's chromium, headless, through Playwright.

Without the background-networking flags it tries (and fails) to reach Google's hosts on every start.
A module of its own, not conftest.py: tests/e2e has a conftest too, so `from conftest import` is ambiguous.
"""

import os

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
