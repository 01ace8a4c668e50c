"""The feedback widget, /static/feedgate.js, with the keyboard alone in headless Chromium: the focus is never lost."""

from __future__ import annotations

import pytest
from test_feedback_browser import opened_widget, page_server  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

FOCUSED = (
    "() => [document.activeElement.getAttribute('aria-label'), document.activeElement.getAttribute('aria-pressed')]"
)


@pytest.mark.parametrize("comment", ["It told me to call support; there is a reset link.", ""])
def test_sending_the_comment_box_gives_the_focus_back_to_the_thumb_pressed(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
    comment,
):
    _, _, page = opened_widget(settings, start_gateway, page_server, browser)

    page.keyboard.press("Tab")  # Good answer
    page.keyboard.press("Tab")  # Bad answer
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text="Your vote is in").wait_for(timeout=10_000)
    page.keyboard.type(comment)  # the box has the focus since the vote
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Send comment
    page.get_by_role("status").filter(has_text="Thanks for your feedback!").wait_for(timeout=10_000)

    # The box (and its button, which had the focus) is hidden now: the focus is on the vote, not the page's body.
    assert page.evaluate(FOCUSED) == ["Bad answer", "true"]
    page.close()
