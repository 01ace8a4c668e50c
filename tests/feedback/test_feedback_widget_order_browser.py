"""The feedback widget, /static/feedgate.js, on a slow link: a comment and a vote never overtake each other."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from test_feedback_browser import opened_widget, page_server  # noqa: F401 (fixture)
from widget_steps import count_posts, wait_until_posts_settled

pytestmark = pytest.mark.browser

# A vote alone (no comment) leaves 1.5 s late, as on a slow mobile link.
SLOW_VOTE = """
const realFetch = window.fetch;
window.fetch = (url, init) => init && init.body && !init.body.includes('"comment"')
  ? new Promise(resolve => setTimeout(resolve, 1500)).then(() => realFetch(url, init))
  : realFetch(url, init);
"""

# A post with a comment leaves 1.5 s late.
SLOW_COMMENT = """
const realFetch = window.fetch;
window.fetch = (url, init) => init && init.body && init.body.includes('"comment"')
  ? new Promise(resolve => setTimeout(resolve, 1500)).then(() => realFetch(url, init))
  : realFetch(url, init);
"""

STATUS = "() => document.querySelector('.feedgate-status').textContent"


def slow_widget(settings, start_gateway, page_server, browser, slow: str):  # noqa: F811 - the fixture imported above
    gateway, interaction_id, page = opened_widget(settings, start_gateway, page_server, browser, user="user-42")
    page.add_init_script(slow)
    page.reload()
    count_posts(page)
    return gateway, interaction_id, page


def test_a_comment_sent_while_its_vote_is_still_on_its_way_stays_current(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    gateway, interaction_id, page = slow_widget(settings, start_gateway, page_server, browser, SLOW_VOTE)

    page.get_by_role("button", name="Bad answer").click()
    page.get_by_label("What could be better?").fill("The fee is 1%, not free.")
    page.get_by_role("button", name="Send comment").click()
    page.get_by_role("status").filter(has_text="Thanks for your feedback!").wait_for(timeout=10_000)
    wait_until_posts_settled(page)  # whatever is still on its way has landed

    # The vote went first, so the comment sent after it is the feedback that counts.
    [current] = gateway.interaction(interaction_id)["feedback"]["current"]
    assert (current["thumbs"], current["comment"]) == ("down", "The fee is 1%, not free.")
    page.close()


def test_a_thumb_pressed_while_a_comment_is_on_its_way_is_the_vote_stored_last(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    gateway, interaction_id, page = slow_widget(settings, start_gateway, page_server, browser, SLOW_COMMENT)
    page.get_by_role("button", name="Bad answer").click()
    page.get_by_role("status").filter(has_text="Your vote is in").wait_for(timeout=10_000)
    page.get_by_label("What could be better?").fill("The fee is 1%, not free.")
    page.get_by_role("button", name="Send comment").click()

    expect(page.get_by_role("button", name="Send comment")).to_be_disabled()  # the comment is on its way
    page.get_by_role("button", name="Good answer").click()  # changed their mind while the comment was sent
    # The vote leaves when the comment lands, and late too: it carries the comment sent.
    page.wait_for_function(f"() => ({STATUS})().includes('Your vote is in')", timeout=10_000)

    assert page.get_by_role("button", name="Good answer").get_attribute("aria-pressed") == "true"
    [current] = gateway.interaction(interaction_id)["feedback"]["current"]
    assert current["thumbs"] == "up"
    assert "Your vote is in" in page.evaluate(STATUS)
    page.close()


# A "down" post is lost on the way, 1 s after it leaves, as when a mobile link drops.
LOST_THUMBS_DOWN = """
const realFetch = window.fetch;
window.fetch = (url, init) => init && init.body && init.body.includes('"thumbs":"down"')
  ? new Promise((_, reject) => setTimeout(() => reject(new TypeError("Failed to fetch")), 1000))
  : realFetch(url, init);
"""


def test_a_lost_vote_after_going_back_to_the_thumb_stored_does_not_leave_sending_on_screen(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    gateway, interaction_id, page = slow_widget(settings, start_gateway, page_server, browser, LOST_THUMBS_DOWN)
    page.get_by_role("button", name="Good answer").click()
    page.get_by_role("status").filter(has_text="Your vote is in").wait_for(timeout=10_000)

    page.get_by_role("button", name="Bad answer").click()
    page.get_by_role("button", name="Good answer").click()  # back to the vote stored, before the other is lost
    # The lost post has failed (1 s after it left), and the widget has said what it says then.
    wait_until_posts_settled(page)
    page.wait_for_function(f"() => ({STATUS})() !== '' && !({STATUS})().startsWith('Sending')", timeout=10_000)

    assert "Sending" not in page.evaluate(STATUS)
    assert "Your vote is in" in page.evaluate(STATUS)
    assert [event["thumbs"] for event in gateway.interaction(interaction_id)["feedback"]["current"]] == ["up"]
    page.close()
