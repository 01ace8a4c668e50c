"""In a real headless Chromium, with the keyboard alone: the top bar leads to the Export page, Tab goes through its
form in order, and Enter on Download saves the file GET /api/export gives."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from admin_helpers import signed_in_page
from test_admin_browser import capture, screenshots  # noqa: F401 (fixture)

from gateway.config import Settings
from gateway.review.records import Outcome
from tests.export.export_seed import give_feedback, review, review_service, store_chat

pytestmark = pytest.mark.browser

FOCUSED = (
    "() => [document.activeElement.tagName.toLowerCase(), document.activeElement.name || '', "
    "document.activeElement.textContent.trim().slice(0, 40)]"
)
FORM_ORDER = ["format", "app", "since", "until", "source", "fixes", "stored_after"]


async def seed(engine) -> None:
    corrected = await store_chat(engine, "What is the fee?", "The fee is 2%.")
    await give_feedback(engine, corrected, correction="The fee is 1%.")
    reviewed = await store_chat(engine, "Is there a charge?", "No.", app="billing-bot")
    await review(review_service(engine), [reviewed], Outcome.APPROVE, app="billing-bot")


def tab_until(page, done, most: int = 60) -> list[list[str]]:
    """Press Tab until `done(focused)`; each element focused on the way (an element twice in a row once)."""
    seen: list[list[str]] = []
    for _ in range(most):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if not seen or seen[-1] != focused:
            seen.append(focused)
        if done(focused):
            return seen
    raise AssertionError(f"Tab never reached it; focused on the way: {seen}")


def test_the_keyboard_reaches_the_export_form_and_its_download_starts(
    settings: Settings,
    start_gateway,
    browser,
    admin_headers,
    tmp_path: Path,
    screenshots,  # noqa: F811 - the fixture imported above
):
    gateway = start_gateway(settings)
    gateway.run_coroutine(seed(gateway.app.services.engine))
    page = signed_in_page(gateway, browser)

    tab_until(page, lambda focused: focused == ["a", "", "Export"])
    page.keyboard.press("Enter")
    page.wait_for_selector("h1:text('Export training data')")
    fields = tab_until(page, lambda focused: focused == ["button", "", "Download"])
    capture(page, screenshots, "export")
    with page.expect_download() as started:
        page.keyboard.press("Enter")
    download = started.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    api = httpx.get(gateway.origin + "/api/export?format=chat", headers=admin_headers)

    named = [name for tag, name, _ in fields if tag in ("select", "input")]
    assert named[: len(FORM_ORDER)] == FORM_ORDER
    assert download.suggested_filename.startswith("feedgate-chat-") and saved.suffix == ".jsonl"
    assert saved.read_bytes() == api.content != b""
    page.close()
