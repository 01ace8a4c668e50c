"""The feedback widget, /static/feedgate.js, with a 1-5 rating (data-feedgate-controls): sent at once, as a thumb is."""

from __future__ import annotations

import pytest
from test_feedback_browser import opened_widget, page_server  # noqa: F401 (fixture)
from widget_routes import answer_posts
from widget_steps import press, press_running_timers, wait_running_timers

pytestmark = pytest.mark.browser

THUMBS_AND_RATING = 'data-feedgate-controls="thumbs rating comment"'


def signals(gateway, interaction_id: str, which: str = "events") -> list[tuple[str | None, int | None]]:
    """The thumbs and rating of the interaction's events (or its current feedback)."""
    return [(event["thumbs"], event["rating"]) for event in gateway.interaction(interaction_id)["feedback"][which]]


def test_a_page_that_asks_for_no_rating_shows_none(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    _, _, page = opened_widget(settings, start_gateway, page_server, browser)

    assert page.locator(".feedgate-rating").count() == 0
    assert page.get_by_role("button", name="Rate 3 of 5").count() == 0
    page.close()


def test_a_rating_alone_is_sent_at_once_and_stored(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    gateway, interaction_id, page = opened_widget(
        settings, start_gateway, page_server, browser, attributes='data-feedgate-controls="rating comment"'
    )
    assert page.get_by_role("button", name="Good answer").count() == 0

    page.get_by_role("group", name="Rating", exact=True).get_by_role("button", name="Rate 2 of 5").click()
    page.get_by_role("status").filter(has_text="Your rating is in").wait_for(timeout=10_000)

    assert signals(gateway, interaction_id) == [(None, 2)]
    assert gateway.interaction(interaction_id)["feedback"]["events"][0]["negative"] is True
    assert page.get_by_role("button", name="Rate 2 of 5").get_attribute("aria-pressed") == "true"
    assert page.get_by_role("button", name="Rate 3 of 5").get_attribute("aria-pressed") == "false"
    page.close()


def test_a_rating_after_a_thumb_is_sent_with_that_thumb(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    # Posts are not merged: a rating sent alone after a thumb would leave the current feedback without the thumb.
    gateway, interaction_id, page = opened_widget(
        settings, start_gateway, page_server, browser, attributes=THUMBS_AND_RATING
    )
    press(page, "Good answer", then="Your vote is in")

    press(page, "Rate 4 of 5", then="Your rating is in")
    page.get_by_label("What could be better?").fill("Shorter, please.")
    press(page, "Send comment", then="Thanks for your feedback!")

    assert signals(gateway, interaction_id) == [("up", None), ("up", 4), ("up", 4)]
    [current] = gateway.interaction(interaction_id)["feedback"]["current"]
    assert (current["thumbs"], current["rating"], current["comment"]) == ("up", 4, "Shorter, please.")
    page.close()


def test_the_rating_is_used_with_the_keyboard_alone(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    gateway, interaction_id, page = opened_widget(
        settings, start_gateway, page_server, browser, attributes=THUMBS_AND_RATING
    )

    for _ in range(2 + 5):  # the two thumbs, then the rating's five buttons
        page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.getAttribute('aria-label')") == "Rate 5 of 5"
    page.keyboard.press("Space")
    page.get_by_role("status").filter(has_text="Your rating is in").wait_for(timeout=10_000)

    assert signals(gateway, interaction_id) == [(None, 5)]
    page.close()


def test_a_rating_lost_on_the_way_is_not_shown_pressed_and_is_said_so(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    gateway, interaction_id, page = opened_widget(
        settings, start_gateway, page_server, browser, attributes=THUMBS_AND_RATING
    )
    page.clock.install()  # the page's timers, run ahead while it waits: the lost post's second try leaves at once
    posts = answer_posts(page, page_server.origin)  # the link drops

    press_running_timers(page, "Rate 1 of 5", then="Your rating was not saved")

    assert len(posts) == 2  # tried once more by itself
    assert page.get_by_role("button", name="Rate 1 of 5").get_attribute("aria-pressed") == "false"
    assert "Press the rating again" in page.get_by_role("status").text_content()
    assert gateway.interaction(interaction_id)["feedback"]["events"] == []
    page.close()


def test_a_rating_changed_while_the_first_is_on_its_way_is_stored_last(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    gateway, interaction_id, page = opened_widget(
        settings, start_gateway, page_server, browser, attributes=THUMBS_AND_RATING
    )
    # The first post leaves 1 s late, as on a slow link: the clicks after it wait for it, and only the last is sent.
    page.clock.install()
    page.add_init_script(
        """const realFetch = window.fetch; let first = true;
        window.fetch = (url, init) => { const late = first; first = false;
          return late ? new Promise(resolve => setTimeout(resolve, 1000)).then(() => realFetch(url, init))
                      : realFetch(url, init); };"""
    )
    page.reload()
    # The page's clock stands still while the three clicks are made: however slowly a loaded machine makes them,
    # the first post's second does not end between them (it ends below, run ahead at once). It is paused a few
    # seconds ahead of the time read: the clock runs on until paused, and may not be paused in its past (no timer
    # is set before the first click, so running ahead to there changes nothing).
    page.clock.pause_at(page.evaluate("() => Date.now()") / 1_000 + 5)

    for stars in (1, 2, 4):
        page.get_by_role("button", name=f"Rate {stars} of 5").click()
    wait_running_timers(page, "Your rating is in")

    assert signals(gateway, interaction_id) == [(None, 1), (None, 4)]
    page.close()


def test_mount_takes_the_controls_as_a_list_and_warns_of_a_word_it_does_not_know(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    gateway, interaction_id, page = opened_widget(settings, start_gateway, page_server, browser)
    warnings: list[str] = []
    page.on("console", lambda message: warnings.append(message.text) if message.type == "warning" else None)
    page.evaluate(
        """([id, token]) => Feedgate.mount(document.body, {interactionId: id, token: token, controls: ["rating", "stars"]})""",
        [interaction_id, page.get_attribute("#feedback", "data-feedgate-token")],
    )
    widget = page.locator("body > .feedgate")

    assert widget.get_by_role("button").count() == 5  # the rating alone: no thumbs, no comment box
    assert any('unknown control "stars"' in warning for warning in warnings)
    widget.get_by_role("button", name="Rate 5 of 5").click()
    widget.get_by_role("status").filter(has_text="Thanks! Your rating is in.").wait_for(timeout=10_000)
    assert signals(gateway, interaction_id) == [(None, 5)]
    page.close()
