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


def test_every_rating_is_reached_with_tab_and_pressed_in_turn(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    gateway, interaction_id, page = opened_widget(
        settings, start_gateway, page_server, browser, attributes='data-feedgate-controls="rating"'
    )

    for stars in range(1, 6):
        page.keyboard.press("Tab")  # from the rating pressed last (the page, at first) to the next one
        assert page.evaluate(FOCUSED) == [f"Rate {stars} of 5", "false"]
        page.keyboard.press("Enter")
        page.get_by_role("status").filter(has_text="Your rating is in").wait_for(timeout=10_000)
        assert page.evaluate(FOCUSED) == [f"Rate {stars} of 5", "true"]  # the focus stays on it

    ratings = [event["rating"] for event in gateway.interaction(interaction_id)["feedback"]["events"]]
    assert ratings == [1, 2, 3, 4, 5]
    page.close()
