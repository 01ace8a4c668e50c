"""The feedback widget, /static/feedgate.js, while a vote is on its way: pressed, and marked as still sending."""

from __future__ import annotations

import pytest
from test_feedback_browser import opened_widget, page_server  # noqa: F401 (fixture)
from widget_steps import press

pytestmark = pytest.mark.browser

# Every post leaves 1 s late, as on a slow link.
SLOW_POSTS = """const realFetch = window.fetch;
window.fetch = (url, init) => new Promise(resolve => setTimeout(resolve, 1000)).then(() => realFetch(url, init));"""

STATE = """name => { const button = [...document.querySelectorAll('button')].find(b => b.getAttribute('aria-label') === name);
  return [button.getAttribute('aria-pressed'), button.getAttribute('aria-busy'),
          button.classList.contains('feedgate-sending')]; }"""


def test_a_thumb_on_its_way_is_pressed_and_busy_until_it_is_stored(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    # It showed pressed alone, as if stored, while its post could still fail.
    _, _, page = opened_widget(settings, start_gateway, page_server, browser)
    page.add_init_script(SLOW_POSTS)
    page.reload()

    page.get_by_role("button", name="Bad answer").click()

    assert page.evaluate(STATE, "Bad answer") == ["true", "true", True]
    assert page.evaluate(STATE, "Good answer") == ["false", None, False]
    page.get_by_role("status").filter(has_text="Sending your vote").wait_for(timeout=5_000)
    page.get_by_role("status").filter(has_text="Your vote is in").wait_for(timeout=10_000)
    assert page.evaluate(STATE, "Bad answer") == ["true", None, False]
    page.close()


def test_a_rating_on_its_way_is_busy_and_the_thumb_stored_before_it_is_not(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    _, _, page = opened_widget(
        settings, start_gateway, page_server, browser, attributes='data-feedgate-controls="thumbs rating"'
    )
    press(page, "Good answer", then="Your vote is in")
    page.add_init_script(SLOW_POSTS)
    page.evaluate(SLOW_POSTS)

    page.get_by_role("button", name="Rate 4 of 5").click()

    assert page.evaluate(STATE, "Rate 4 of 5") == ["true", "true", True]
    assert page.evaluate(STATE, "Good answer") == ["true", None, False]
    page.get_by_role("status").filter(has_text="Your rating is in").wait_for(timeout=10_000)
    assert page.evaluate(STATE, "Rate 4 of 5") == ["true", None, False]
    page.close()
