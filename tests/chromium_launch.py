"""Headless Chromium for the browser tests, launched by Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

# Debian's Chromium, driven by Playwright (no browser downloads); flags for a closed network.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@contextmanager
def launched_chromium() -> Iterator[Any]:
    """Headless Chromium, closed at the end; fails (never skips) when Playwright or Chromium is missing."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:
        pytest.fail(f"the browser tests need the playwright package (pip install playwright): {exc}")
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Error as exc:
            pytest.fail(f"the browser tests need Chromium at {CHROMIUM}: {exc}")
        yield chromium
        chromium.close()
