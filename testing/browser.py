"""The distribution's headless Chromium, as the browser tests and the explorer bench drive it."""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("LOGRAPH_TEST_CHROMIUM", "/usr/bin/chromium")
# What works as root on a machine without a display or outside network.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
