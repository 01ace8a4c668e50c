"""The feedback widget, /static/feedgate.js, with a correction box (data-feedgate-controls): what the answer should say."""

from __future__ import annotations

import pytest
from test_feedback_browser import opened_widget, page_server  # noqa: F401 (fixture)
from widget_routes import answer_posts
from widget_steps import press, press_running_timers

pytestmark = pytest.mark.browser

CORRECTION = "What should the answer have said?"


def test_a_page_that_asks_for_no_correction_shows_no_correction_box(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    _, _, page = opened_widget(settings, start_gateway, page_server, browser)
    press(page, "Bad answer", then="Your vote is in")

    assert page.get_by_label(CORRECTION).count() == 0
    page.close()


def test_a_correction_is_sent_with_the_vote_and_the_comment(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    gateway, interaction_id, page = opened_widget(
        settings, start_gateway, page_server, browser, attributes='data-feedgate-controls="thumbs correction comment"'
    )
    press(page, "Bad answer", then="Your vote is in")

    page.get_by_label(CORRECTION).fill("Use the reset link under Settings.")
    page.get_by_label("What could be better?").fill("It sent me to support.")
    press(page, "Send", then="Thanks for your feedback!", exact=True)

    [_, sent] = gateway.interaction(interaction_id)["feedback"]["events"]
    assert (sent["thumbs"], sent["correction"], sent["comment"]) == (
        "down",
        "Use the reset link under Settings.",
        "It sent me to support.",
    )
    assert sent["negative"] is True
    assert page.get_by_label(CORRECTION).is_hidden()  # sent: the box closes, as after a comment
    page.close()


def test_a_correction_alone_needs_no_vote_first(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    # With no thumbs or rating to press first, the box is open from the start.
    gateway, interaction_id, page = opened_widget(
        settings, start_gateway, page_server, browser, attributes='data-feedgate-controls="correction"'
    )

    page.get_by_label(CORRECTION).fill("Use the reset link under Settings.")
    press(page, "Send correction", then="Thanks for your feedback!")

    [sent] = gateway.interaction(interaction_id)["feedback"]["events"]
    assert (sent["thumbs"], sent["rating"], sent["correction"]) == (None, None, "Use the reset link under Settings.")
    assert page.get_by_label(CORRECTION).is_visible()  # the only control: it stays, for another correction
    page.close()


def test_an_empty_box_with_nothing_to_add_sends_nothing(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    # The gateway refuses a post with no signal (422): the widget must never send one.
    gateway, interaction_id, page = opened_widget(
        settings, start_gateway, page_server, browser, attributes='data-feedgate-controls="correction comment"'
    )
    posts = answer_posts(page, page_server.origin, 500, times=0)  # watched only: every post goes through

    press(page, "Send", then="Write your feedback first", exact=True)

    assert posts == []
    assert gateway.interaction(interaction_id)["feedback"]["events"] == []
    page.close()


def test_a_correction_that_could_not_be_sent_stays_to_send_again(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    gateway, interaction_id, page = opened_widget(
        settings, start_gateway, page_server, browser, attributes='data-feedgate-controls="correction"'
    )
    page.clock.install()  # the page's timers, run ahead while it waits: the lost post's second try leaves at once
    answer_posts(page, page_server.origin)  # the link drops

    page.get_by_label(CORRECTION).fill("Use the reset link under Settings.")
    press_running_timers(page, "Send correction", then="Your correction was not saved")

    assert "Press \u201cSend correction\u201d again" in page.get_by_role("status").text_content()
    assert page.get_by_label(CORRECTION).input_value() == "Use the reset link under Settings."
    page.unroute("**/v1/feedback")
    press(page, "Send correction", then="Thanks for your feedback!")
    assert [event["correction"] for event in gateway.interaction(interaction_id)["feedback"]["events"]] == [
        "Use the reset link under Settings."
    ]
    page.close()
