"""The feedback widget, /static/feedgate.js, when a vote is lost: its thumbs show what is stored, and it says so plainly."""

from __future__ import annotations

import pytest
from test_feedback_browser import opened_widget, page_server  # noqa: F401 (fixture)
from widget_routes import answer_posts
from widget_steps import count_posts, posts_started, press_running_timers

pytestmark = pytest.mark.browser

STATUS = "() => document.querySelector('.feedgate-status').textContent"


def pressed(page) -> tuple[str | None, str | None]:
    """The aria-pressed of the thumbs, up then down."""
    return (
        page.get_by_role("button", name="Good answer").get_attribute("aria-pressed"),
        page.get_by_role("button", name="Bad answer").get_attribute("aria-pressed"),
    )


def test_a_vote_lost_on_the_way_is_not_shown_pressed_and_pressing_again_sends_it(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    # The thumb stayed pressed, and the status said only "Could not send feedback: Failed to fetch".
    gateway, interaction_id, page = opened_widget(settings, start_gateway, page_server, browser)
    page.clock.install()  # the page's timers, run ahead while it waits: the lost post's second try leaves at once
    posts = answer_posts(page, page_server.origin)  # the link drops

    press_running_timers(page, "Bad answer", then="not saved")

    assert pressed(page) == ("false", "false")
    said = page.evaluate(STATUS)
    assert "Press the thumb again" in said
    assert "fetch" not in said.lower()
    assert len(posts) == 2  # tried once more by itself before giving up
    page.unroute("**/v1/feedback")
    page.get_by_role("button", name="Bad answer").click()
    page.get_by_role("status").filter(has_text="Your vote is in").wait_for(timeout=10_000)
    assert pressed(page) == ("false", "true")
    assert [event["thumbs"] for event in gateway.interaction(interaction_id)["feedback"]["events"]] == ["down"]
    page.close()


def test_a_changed_vote_lost_on_the_way_shows_the_vote_stored_before_it(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    gateway, interaction_id, page = opened_widget(settings, start_gateway, page_server, browser)
    page.get_by_role("button", name="Good answer").click()
    page.get_by_role("status").filter(has_text="Your vote is in").wait_for(timeout=10_000)
    page.clock.install()  # the page's timers, run ahead while it waits: the lost post's second try leaves at once
    answer_posts(page, page_server.origin)  # the link drops

    press_running_timers(page, "Bad answer", then="not saved")

    assert pressed(page) == ("true", "false")
    assert [event["thumbs"] for event in gateway.interaction(interaction_id)["feedback"]["current"]] == ["up"]
    page.close()


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_vote_the_server_could_not_take_for_a_moment_is_sent_again_by_itself(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
    status,
):
    # A proxy's 502 while the gateway restarts lost the vote unless the end user noticed and clicked again.
    gateway, interaction_id, page = opened_widget(settings, start_gateway, page_server, browser)
    page.clock.install()  # the page's timers, run ahead while it waits: the second try leaves at once
    posts = answer_posts(page, page_server.origin, status, html=True, times=1)

    press_running_timers(page, "Bad answer", then="Your vote is in")
    assert len(posts) == 2
    assert pressed(page) == ("false", "true")
    assert [event["thumbs"] for event in gateway.interaction(interaction_id)["feedback"]["events"]] == ["down"]
    page.close()


def test_a_server_error_is_not_sent_again_by_itself_and_is_told_plainly(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    # A 500 is the gateway's own fault, not a passing one: the end user may try again, the widget does not.
    gateway, interaction_id, page = opened_widget(settings, start_gateway, page_server, browser)
    page.clock.install()  # the page's timers, run ahead below
    count_posts(page)
    posts = answer_posts(page, page_server.origin, 500, message="internal error", error_type="server_error")
    page.get_by_role("button", name="Good answer").click()
    page.get_by_role("status").filter(has_text="not saved").wait_for(timeout=10_000)
    # A second try would leave within 1.5 s of the page's time (a lost post's is 1 s): let it pass at once.
    page.clock.run_for(1_500)

    assert posts_started(page) == 1
    assert len(posts) == 1
    assert pressed(page) == ("false", "false")
    assert "Press the thumb again" in page.evaluate(STATUS)
    assert gateway.interaction(interaction_id)["feedback"]["events"] == []
    page.close()


def test_a_vote_stored_whose_answer_a_proxy_lost_is_not_stored_again_by_its_second_try(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    # A proxy in front of the gateway gave up waiting (say, on a post that waited for its answer's stream) and
    # answered 504, yet the gateway stored the vote: the widget's second try stored it a second time.
    gateway, interaction_id, page = opened_widget(settings, start_gateway, page_server, browser)
    page.clock.install()  # the page's timers, run ahead while it waits: the second try leaves at once
    posts: list[str] = []

    def stored_then_lost(route) -> None:
        posts.append(route.request.post_data or "")
        if len(posts) > 1:
            route.continue_()
            return
        route.fetch()  # it reaches the gateway, which stores it
        headers = {"access-control-allow-origin": page_server.origin, "content-type": "text/html"}
        route.fulfill(status=504, headers=headers, body="<html><body><h1>504 Gateway Time-out</h1></body></html>")

    page.route("**/v1/feedback", stored_then_lost)

    press_running_timers(page, "Bad answer", then="Your vote is in")

    assert len(posts) == 2
    assert pressed(page) == ("false", "true")
    assert [event["thumbs"] for event in gateway.interaction(interaction_id)["feedback"]["events"]] == ["down"]
    page.close()
