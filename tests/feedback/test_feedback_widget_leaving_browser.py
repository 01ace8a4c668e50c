"""The feedback widget, /static/feedgate.js, when the end user leaves the page right after a click: the post is kept."""

from __future__ import annotations

import time

import pytest
from test_feedback_browser import opened_widget, page_server  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser


def stored_events(gateway, interaction_id: str, count: int) -> list[dict]:
    """The interaction's feedback events once `count` have arrived (or what is there after 5 s)."""
    deadline = time.monotonic() + 5
    while True:
        events: list[dict] = gateway.interaction(interaction_id)["feedback"]["events"]
        if len(events) >= count or time.monotonic() > deadline:
            return events
        time.sleep(0.1)


def test_a_vote_clicked_just_before_leaving_the_page_is_stored(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    # The post went with the page: the browser cancels a page's fetches when it leaves, unless they ask to be kept.
    gateway, interaction_id, page = opened_widget(settings, start_gateway, page_server, browser)

    page.evaluate("document.querySelector('.feedgate-down').click(); location.href = 'about:blank'")

    assert [event["thumbs"] for event in stored_events(gateway, interaction_id, 1)] == ["down"]
    page.close()


def test_a_comment_sent_just_before_leaving_the_page_is_stored(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    gateway, interaction_id, page = opened_widget(settings, start_gateway, page_server, browser)
    page.get_by_role("button", name="Bad answer").click()
    page.get_by_role("status").filter(has_text="Your vote is in").wait_for(timeout=10_000)
    page.get_by_label("What could be better?").fill("The fee is 1%, not free.")

    page.evaluate("document.querySelector('.feedgate-submit').click(); location.href = 'about:blank'")

    events = stored_events(gateway, interaction_id, 2)
    assert [(event["thumbs"], event["comment"]) for event in events] == [
        ("down", None),
        ("down", "The fee is 1%, not free."),
    ]
    page.close()
