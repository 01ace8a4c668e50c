"""The feedback widget, /static/feedgate.js, mounted on an element more than once: one set of thumbs, the latest."""

from __future__ import annotations

import httpx
import pytest
from feedback_helpers import APP_KEY
from test_feedback_browser import opened_widget, page_server  # noqa: F401 (fixture)
from widget_steps import press

pytestmark = pytest.mark.browser

MOUNT_AGAIN = """() => {
  const node = document.getElementById("feedback");
  Feedgate.mount(node, {interactionId: node.dataset.feedgateInteraction, token: node.dataset.feedgateToken});
}"""


def another_answer(gateway) -> tuple[str, str]:
    """A second answer from the gateway: its interaction id and feedback token."""
    answered = httpx.post(
        f"{gateway.url}/chat/completions",
        json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "And my e-mail address?"}]},
        headers={"authorization": f"Bearer {APP_KEY}"},
    )
    return answered.headers["x-feedgate-interaction-id"], answered.headers["x-feedgate-feedback-token"]


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


# A framework showing the latest answer in the same element: its attributes changed to another answer's, and the page
# called mountAll as the docs say. The element counted as mounted, so its thumbs kept posting to the first answer.
RENDER_ANOTHER_ANSWER = """([interactionId, token]) => {
  const node = document.getElementById("feedback");
  node.setAttribute("data-feedgate-interaction", interactionId);
  if (token === null) node.removeAttribute("data-feedgate-token");
  else node.setAttribute("data-feedgate-token", token);
  Feedgate.mountAll();
}"""


def test_an_element_rendered_again_for_another_answer_sends_its_votes_to_that_answer(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    gateway, first_id, page = opened_widget(settings, start_gateway, page_server, browser)
    press(page, "Good answer", then="Your vote is in")
    second_id, second_token = another_answer(gateway)

    page.evaluate(RENDER_ANOTHER_ANSWER, [second_id, second_token])

    assert page.locator("#feedback .feedgate").count() == 1
    assert page.get_by_role("button", name="Good answer").get_attribute("aria-pressed") == "false"  # a new answer's
    press(page, "Bad answer", then="Your vote is in")
    assert [event["thumbs"] for event in gateway.interaction(first_id)["feedback"]["events"]] == ["up"]
    assert [event["thumbs"] for event in gateway.interaction(second_id)["feedback"]["events"]] == ["down"]
    page.close()


def test_an_element_rendered_again_without_a_token_loses_the_widget_of_the_answer_it_held(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    # The next answer came from a cache, without a token: the first answer's thumbs stayed under it, voting on that one.
    gateway, _, page = opened_widget(settings, start_gateway, page_server, browser)
    second_id, _ = another_answer(gateway)

    page.evaluate(RENDER_ANOTHER_ANSWER, [second_id, None])

    assert page.locator("#feedback .feedgate").count() == 0
    page.close()
