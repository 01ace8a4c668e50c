"""The feedback widget, /static/feedgate.js, when a post is refused or lost: no vote or place lost in silence."""

from __future__ import annotations

import time

import pytest
from test_feedback_browser import opened_widget, page_server  # noqa: F401 (fixture)
from widget_routes import answer_posts
from widget_steps import count_posts, gaps_between_posts, posts_started, press_running_timers, wait_running_timers

pytestmark = pytest.mark.browser


def test_a_vote_over_a_rate_limit_is_sent_again_after_the_retry_after_it_was_given(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    # The widget showed "try again in 1 s" and never did: the vote was lost unless the end user clicked again.
    gateway, interaction_id, page = opened_widget(settings, start_gateway, page_server, browser)
    page.clock.install()  # the page's timers, run ahead while it waits: its second of Retry-After passes at once
    count_posts(page)
    posts = answer_posts(
        page, page_server.origin, 429, code="rate_limit_exceeded", headers={"retry-after": "1"}, times=1
    )

    press_running_timers(page, "Bad answer", then="Your vote is in")

    assert len(posts) == 2
    [gap] = gaps_between_posts(page)
    assert gap >= 1_000  # sent again once the page's clock had gone past the Retry-After
    assert [event["thumbs"] for event in gateway.interaction(interaction_id)["feedback"]["events"]] == ["down"]
    page.close()


def test_a_spent_token_is_not_sent_again(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    # No Retry-After: the token will not refill, and the refusal is shown.
    gateway, interaction_id, page = opened_widget(settings, start_gateway, page_server, browser)
    page.clock.install()  # the page's timers, run ahead below
    count_posts(page)
    posts = answer_posts(
        page,
        page_server.origin,
        429,
        code="feedback_token_exhausted",
        message="this feedback token has stored its 10 submissions, the most one answer's token may",
        error_type="insufficient_quota",
        headers={"x-should-retry": "false"},
        times=1,
    )

    page.get_by_role("button", name="Bad answer").click()

    page.get_by_role("status").filter(has_text="Your vote was not saved: this answer takes no more feedback").wait_for(
        timeout=10_000
    )
    # A second try would leave within 1.5 s of the page's time (a lost post's is 1 s): let it pass at once.
    page.clock.run_for(1_500)
    assert posts_started(page) == 1
    assert len(posts) == 1
    assert gateway.interaction(interaction_id)["feedback"]["events"] == []
    page.close()


FOCUSED = "() => document.activeElement.className"


def test_a_comment_that_could_not_be_sent_keeps_the_keyboard_users_place(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    # "Send comment", which had the focus, is disabled while it sends: the focus fell to the page's body and stayed there.
    gateway, interaction_id, page = opened_widget(settings, start_gateway, page_server, browser)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Bad answer
    page.get_by_role("status").filter(has_text="Your vote is in").wait_for(timeout=10_000)
    page.clock.install()  # the page's timers, run ahead while it waits: the lost post's second try leaves at once
    answer_posts(page, page_server.origin)  # the link drops

    page.keyboard.type("The fee is 1%, not free.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Send comment
    wait_running_timers(page, "Your comment was not saved")

    assert page.evaluate(FOCUSED) == "feedgate-submit"
    page.unroute("**/v1/feedback")
    page.keyboard.press("Enter")  # and it is sent again from there
    page.get_by_role("status").filter(has_text="Thanks for your feedback!").wait_for(timeout=10_000)
    [_, current] = gateway.interaction(interaction_id)["feedback"]["events"]
    assert (current["thumbs"], current["comment"]) == ("down", "The fee is 1%, not free.")
    page.close()


def test_a_vote_on_an_answer_streaming_past_the_gateways_wait_says_the_answer_was_still_being_written(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    # Still 409 interaction_in_progress when the widget stops sending it again: the end user read "it could not be
    # accepted", as if their vote were at fault.
    _, _, page = opened_widget(settings, start_gateway, page_server, browser)
    page.clock.install()
    answer_posts(page, page_server.origin, 409, code="interaction_in_progress", headers={"retry-after": "60"})
    page.get_by_role("button", name="Bad answer").click()

    status = page.get_by_role("status").filter(has_text="not saved")
    deadline = time.monotonic() + 20
    while not status.count() and time.monotonic() < deadline:
        page.clock.run_for(30_000)  # the page's half minute: its 11 minutes of tries pass in seconds
    assert page.get_by_role("status").text_content() == "Your vote was not saved: the answer was still being written."
    page.close()
