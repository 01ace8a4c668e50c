"""The feedback widget, /static/feedgate.js: a comment or correction sent goes with every later vote, till replaced.

Posts are not merged (the latest is the current feedback): a rating sent without the correction written before it
dropped the correction from what Feedgate clusters and exports.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect
from test_feedback_browser import opened_widget, page_server  # noqa: F401 (fixture)
from widget_routes import answer_posts
from widget_steps import press

pytestmark = pytest.mark.browser

CORRECTION = "What should the answer have said?"
ALL_CONTROLS = 'data-feedgate-controls="thumbs rating correction comment"'


def sent(posts: list[str]) -> list[dict]:
    """The posted bodies, without the fields every post carries (its interaction, its own idempotency key)."""
    return [
        {k: v for k, v in json.loads(post).items() if k not in ("interaction_id", "idempotency_key")} for post in posts
    ]


def current(gateway, interaction_id: str) -> tuple:
    """The end user's current feedback: thumbs, rating, correction, comment."""
    [event] = gateway.interaction(interaction_id)["feedback"]["current"]
    return event["thumbs"], event["rating"], event["correction"], event["comment"]


def test_a_correction_sent_stays_in_the_current_feedback_after_a_later_rating(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    gateway, interaction_id, page = opened_widget(
        settings, start_gateway, page_server, browser, attributes=ALL_CONTROLS
    )
    posts = answer_posts(page, page_server.origin, times=0)  # watched only: every post goes through
    press(page, "Bad answer", then="Your vote is in")
    page.get_by_label(CORRECTION).fill("The fee is 1%, not 2%.")
    press(page, "Send", then="Thanks for your feedback!", exact=True)

    press(page, "Rate 2 of 5", then="Your rating is in")

    assert sent(posts)[-1] == {"thumbs": "down", "rating": 2, "correction": "The fee is 1%, not 2%."}
    assert current(gateway, interaction_id) == ("down", 2, "The fee is 1%, not 2%.", None)
    page.close()


def test_a_comment_sent_goes_with_every_later_vote_till_a_new_one_replaces_it(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    gateway, interaction_id, page = opened_widget(settings, start_gateway, page_server, browser)
    posts = answer_posts(page, page_server.origin, times=0)  # watched only: every post goes through
    press(page, "Bad answer", then="Your vote is in")
    page.get_by_label("What could be better?").fill("Too long.")
    press(page, "Send comment", then="Thanks for your feedback!")

    press(page, "Good answer", then="Your vote is in")
    assert sent(posts)[-1] == {"thumbs": "up", "comment": "Too long."}

    page.get_by_label("What could be better?").fill("Fine after all.")
    press(page, "Send comment", then="Thanks for your feedback!")
    press(page, "Bad answer", then="Your vote is in")

    assert sent(posts)[-1] == {"thumbs": "down", "comment": "Fine after all."}
    assert current(gateway, interaction_id) == ("down", None, None, "Fine after all.")
    page.close()


def test_a_new_comment_keeps_the_correction_sent_before(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    # Each box's text replaces only its own: a comment written later does not drop the correction.
    gateway, interaction_id, page = opened_widget(
        settings, start_gateway, page_server, browser, attributes=ALL_CONTROLS
    )
    press(page, "Bad answer", then="Your vote is in")
    page.get_by_label(CORRECTION).fill("The fee is 1%, not 2%.")
    press(page, "Send", then="Thanks for your feedback!", exact=True)

    press(page, "Rate 1 of 5", then="Your rating is in")
    page.get_by_label("What could be better?").fill("It quoted last year's fees.")
    press(page, "Send", then="Thanks for your feedback!", exact=True)

    assert current(gateway, interaction_id) == ("down", 1, "The fee is 1%, not 2%.", "It quoted last year's fees.")
    page.close()


# A post with a comment leaves 1.5 s late, as on a slow mobile link.
SLOW_COMMENT = """
const realFetch = window.fetch;
window.fetch = (url, init) => init && init.body && init.body.includes('"comment"')
  ? new Promise(resolve => setTimeout(resolve, 1500)).then(() => realFetch(url, init))
  : realFetch(url, init);
"""


def test_a_rating_pressed_while_the_comment_is_on_its_way_is_sent_after_it_with_the_comment(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    gateway, interaction_id, page = opened_widget(
        settings, start_gateway, page_server, browser, attributes=ALL_CONTROLS
    )
    page.add_init_script(SLOW_COMMENT)
    page.reload()
    press(page, "Bad answer", then="Your vote is in")
    page.get_by_label("What could be better?").fill("The fee is wrong.")
    page.get_by_role("button", name="Send", exact=True).click()

    expect(page.get_by_role("button", name="Send", exact=True)).to_be_disabled()  # the comment is on its way
    page.get_by_role("button", name="Rate 2 of 5").click()  # while the comment is still on its way
    page.get_by_role("status").filter(has_text="Your rating is in").wait_for(timeout=10_000)

    events = gateway.interaction(interaction_id)["feedback"]["events"]
    assert [(event["rating"], event["comment"]) for event in events] == [
        (None, None),
        (None, "The fee is wrong."),
        (2, "The fee is wrong."),
    ]
    assert current(gateway, interaction_id) == ("down", 2, None, "The fee is wrong.")
    page.close()
