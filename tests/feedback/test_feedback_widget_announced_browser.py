"""The feedback widget, /static/feedgate.js: every status it gives is announced, the same text again too."""

from __future__ import annotations

import pytest
from test_feedback_browser import opened_widget, page_server  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

# What the status line held each time it changed, as a live region's observer (a screen reader) sees it.
WATCH_STATUS = """() => {
  window.statusSeen = [];
  const status = document.querySelector('.feedgate-status');
  new MutationObserver(() => window.statusSeen.push(status.textContent))
    .observe(status, {childList: true, characterData: true, subtree: true});
}"""


def test_a_status_said_again_is_cleared_first_so_it_is_announced_again(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    # The same text set again is no change to a live region: a screen reader said nothing on the second time.
    gateway, interaction_id, page = opened_widget(settings, start_gateway, page_server, browser)
    page.get_by_role("button", name="Good answer").click()
    page.get_by_role("status").filter(has_text="Your vote is in").wait_for(timeout=10_000)
    # The status on screen was the widget's last one (set by its only timer): nothing more is pending to watch.
    said = page.get_by_role("status").text_content()
    page.evaluate(WATCH_STATUS)

    page.get_by_role("button", name="Good answer").click()  # the vote stored: it is said again
    # Cleared, then set: a post sent again, or another status, would have changed it to something else.
    page.wait_for_function("() => window.statusSeen.length >= 2", timeout=10_000)

    assert page.evaluate("() => window.statusSeen") == ["", said]
    assert [event["thumbs"] for event in gateway.interaction(interaction_id)["feedback"]["events"]] == ["up"]
    page.close()
