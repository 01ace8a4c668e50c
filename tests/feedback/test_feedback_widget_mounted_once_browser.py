"""The feedback widget, /static/feedgate.js, mounted on an element more than once: one set of thumbs, the latest."""

from __future__ import annotations

import pytest
from test_feedback_browser import opened_widget, page_server  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

MOUNT_AGAIN = """() => {
  const node = document.getElementById("feedback");
  Feedgate.mount(node, {interactionId: node.dataset.feedgateInteraction, token: node.dataset.feedgateToken});
}"""


@pytest.mark.parametrize("mounts", [1, 2])
def test_an_element_mounted_from_code_too_shows_one_widget_and_stores_one_vote(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
    mounts,
):
    # Its data attributes mounted it at load, and Feedgate.mount (or a framework's render run twice) mounted it again:
    # two pairs of thumbs stacked in one answer, each sending its own votes.
    gateway, interaction_id, page = opened_widget(settings, start_gateway, page_server, browser)
    for _ in range(mounts):
        page.evaluate(MOUNT_AGAIN)
    page.evaluate("Feedgate.mountAll()")

    assert page.locator("#feedback .feedgate").count() == 1
    page.get_by_role("button", name="Bad answer").click()
    page.get_by_role("status").filter(has_text="Your vote is in").wait_for(timeout=10_000)
    assert [event["thumbs"] for event in gateway.interaction(interaction_id)["feedback"]["events"]] == ["down"]
    page.close()


def test_a_page_mounting_from_code_an_element_with_data_attributes_shows_one_widget(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    # mount() ran from the page's script before DOMContentLoaded, and the attributes' mountAll mounted it again then.
    _, _, page = opened_widget(settings, start_gateway, page_server, browser)
    page_server.page = page_server.page.replace(
        b"</body>", b"<script>(" + MOUNT_AGAIN.encode() + b")();</script></body>"
    )
    page.reload()

    assert page.locator("#feedback .feedgate").count() == 1
    page.close()
