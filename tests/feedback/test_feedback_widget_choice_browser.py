"""The feedback widget, /static/feedgate.js, under each choice of an answer of n > 1: the vote names its choice."""

from __future__ import annotations

import html

import httpx
import pytest
from feedback_helpers import APP_KEY
from test_feedback_browser import page_server  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser


def two_choice_page(gateway, page_server, widgets: str) -> tuple[str, str]:  # noqa: F811 - the fixture imported above
    """An answer with two choices, and a page showing both with the given widget markup; its id and token."""
    answered = httpx.post(
        f"{gateway.url}/chat/completions",
        json={"model": "gpt-4o-mini", "n": 2, "messages": [{"role": "user", "content": "How do I reset my password?"}]},
        headers={"authorization": f"Bearer {APP_KEY}"},
    )
    interaction_id = answered.headers["x-feedgate-interaction-id"]
    token = html.escape(answered.headers["x-feedgate-feedback-token"])
    [first, second] = [html.escape(choice["message"]["content"]) for choice in answered.json()["choices"]]
    page_server.page = f"""<!doctype html>
<html><body>
<p>{first}</p><div id="choice-0"></div>
<p>{second}</p><div id="choice-1"></div>
<script src="{gateway.origin}/static/feedgate.js"></script>
{widgets.format(id=interaction_id, token=token)}
</body></html>""".encode()
    return interaction_id, token


BY_ATTRIBUTES = """<script>
for (const choice of [0, 1]) {{
  const node = document.getElementById("choice-" + choice);
  node.setAttribute("data-feedgate-interaction", "{id}");
  node.setAttribute("data-feedgate-token", "{token}");
  node.setAttribute("data-feedgate-choice", String(choice));
}}
Feedgate.mountAll();
</script>"""

BY_MOUNT = """<script>
for (const choice of [0, 1]) {{
  Feedgate.mount(document.getElementById("choice-" + choice), {{interactionId: "{id}", token: "{token}", choice: choice}});
}}
</script>"""


@pytest.mark.parametrize("widgets", [BY_ATTRIBUTES, BY_MOUNT], ids=["data-feedgate-choice", "mount"])
def test_a_vote_under_the_second_choice_is_stored_for_that_choice(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
    widgets,
):
    # Every vote was stored for choice 0, the first, whichever choice the end user judged.
    gateway = start_gateway(settings.model_copy(update={"cors_origins": [page_server.origin]}))
    interaction_id, _ = two_choice_page(gateway, page_server, widgets)
    page = browser.new_page()
    page.goto(page_server.origin)

    second = page.locator("#choice-1")
    second.get_by_role("button", name="Good answer").click()
    second.get_by_role("status").filter(has_text="Your vote is in").wait_for(timeout=10_000)
    second.get_by_label("What could be better?").fill("This one has the reset link.")
    second.get_by_role("button", name="Send comment").click()
    second.get_by_role("status").filter(has_text="Thanks for your feedback!").wait_for(timeout=10_000)

    events = gateway.interaction(interaction_id)["feedback"]["events"]
    assert [(event["thumbs"], event["comment"], event["choice"]) for event in events] == [
        ("up", None, 1),
        ("up", "This one has the reset link.", 1),
    ]
    page.close()


def test_a_choice_the_answer_does_not_have_is_refused_and_named_in_the_console(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    gateway = start_gateway(settings.model_copy(update={"cors_origins": [page_server.origin]}))
    interaction_id, _ = two_choice_page(gateway, page_server, BY_MOUNT.replace("choice: choice", "choice: choice + 5"))
    page = browser.new_page()
    warnings: list[str] = []
    page.on("console", lambda message: warnings.append(message.text) if message.type == "warning" else None)
    page.goto(page_server.origin)

    page.locator("#choice-0").get_by_role("button", name="Bad answer").click()

    # The page's slip: the end user is told the vote was not taken, the developer the gateway's message.
    page.locator("#choice-0").get_by_role("status").filter(has_text="it could not be accepted").wait_for(timeout=10_000)
    assert any("names no choice of this answer" in warning for warning in warnings)
    assert gateway.interaction(interaction_id)["feedback"]["events"] == []
    page.close()


@pytest.mark.parametrize("widgets", [BY_ATTRIBUTES, BY_MOUNT], ids=["data-feedgate-choice", "mount"])
def test_votes_under_both_choices_of_one_page_each_name_their_own_choice(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
    widgets,
):
    # The two widgets share the answer's token: a vote under the second must not land on the first, nor the reverse.
    gateway = start_gateway(settings.model_copy(update={"cors_origins": [page_server.origin]}))
    interaction_id, _ = two_choice_page(gateway, page_server, widgets)
    page = browser.new_page()
    page.goto(page_server.origin)

    for choice, thumb in [(1, "Bad answer"), (0, "Good answer"), (1, "Good answer")]:
        widget = page.locator(f"#choice-{choice}")
        widget.get_by_role("button", name=thumb).click()
        widget.get_by_role("status").filter(has_text="Your vote is in").wait_for(timeout=10_000)

    feedback = gateway.interaction(interaction_id)["feedback"]
    assert [(event["thumbs"], event["choice"]) for event in feedback["events"]] == [("down", 1), ("up", 0), ("up", 1)]
    # One end user's latest vote, under any choice, is their current one (docs/feedback.md).
    assert [(event["thumbs"], event["choice"]) for event in feedback["current"]] == [("up", 1)]
    page.close()
