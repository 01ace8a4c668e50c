"""The feedback widget, /static/feedgate.js, when a post is refused or lost: no vote or place lost in silence."""

from __future__ import annotations

import pytest
from test_feedback_browser import opened_widget, page_server  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser


def refused_first(page, page_server, status: int, code: str, headers: dict[str, str]) -> list[str]:  # noqa: F811
    """The page's first feedback post is answered `status` `code`, as the gateway does; the others go through."""
    posts: list[str] = []

    def answer(route):
        posts.append(route.request.post_data or "")
        if len(posts) > 1:
            route.continue_()
            return
        route.fulfill(
            status=status,
            headers={
                "content-type": "application/json",
                "access-control-allow-origin": page_server.origin,
                "access-control-expose-headers": "retry-after",
                **headers,
            },
            body='{"error": {"message": "too much feedback from this feedback token: at most 10 posts a minute; '
            f'try again in 1 s", "type": "requests", "param": null, "code": "{code}"}}}}',
        )

    page.route("**/v1/feedback", answer)
    return posts


def test_a_vote_over_a_rate_limit_is_sent_again_after_the_retry_after_it_was_given(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    # The widget showed "try again in 1 s" and never did: the vote was lost unless the end user clicked again.
    gateway, interaction_id, page = opened_widget(settings, start_gateway, page_server, browser)
    posts = refused_first(page, page_server, 429, "rate_limit_exceeded", {"retry-after": "1"})

    page.get_by_role("button", name="Bad answer").click()

    page.get_by_role("status").filter(has_text="Your vote is in").wait_for(timeout=10_000)
    assert len(posts) == 2
    assert [event["thumbs"] for event in gateway.interaction(interaction_id)["feedback"]["events"]] == ["down"]
    page.close()


def test_a_spent_token_is_not_sent_again(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    # No Retry-After: the token will not refill, and the refusal is shown.
    gateway, interaction_id, page = opened_widget(settings, start_gateway, page_server, browser)
    posts = refused_first(page, page_server, 429, "feedback_token_exhausted", {"x-should-retry": "false"})

    page.get_by_role("button", name="Bad answer").click()

    page.get_by_role("status").filter(has_text="Your vote was not saved: too much feedback").wait_for(timeout=10_000)
    page.wait_for_timeout(1_500)
    assert len(posts) == 1
    assert gateway.interaction(interaction_id)["feedback"]["events"] == []
    page.close()


FOCUSED = "() => document.activeElement.className"


def test_a_comment_that_could_not_be_sent_keeps_the_keyboard_users_place(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    # "Send comment", which had the focus, is disabled while it sends: the focus fell to the page's body and stayed there.
    gateway, interaction_id, page = opened_widget(settings, start_gateway, page_server, browser)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Bad answer
    page.get_by_role("status").filter(has_text="Your vote is in").wait_for(timeout=10_000)
    page.route("**/v1/feedback", lambda route: route.abort("connectionrefused"))  # the link drops

    page.keyboard.type("The fee is 1%, not free.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Send comment
    page.get_by_role("status").filter(has_text="Your comment was not saved").wait_for(timeout=10_000)

    assert page.evaluate(FOCUSED) == "feedgate-submit"
    page.unroute("**/v1/feedback")
    page.keyboard.press("Enter")  # and it is sent again from there
    page.get_by_role("status").filter(has_text="Thanks for your feedback!").wait_for(timeout=10_000)
    [_, current] = gateway.interaction(interaction_id)["feedback"]["events"]
    assert (current["thumbs"], current["comment"]) == ("down", "The fee is 1%, not free.")
    page.close()
