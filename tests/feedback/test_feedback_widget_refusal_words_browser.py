"""The feedback widget, /static/feedgate.js, refused by the gateway: the end user reads plain words, the developer
the gateway's message, in the console."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from test_feedback_browser import opened_widget, page_server, widget_page  # noqa: F401 (fixture)
from widget_steps import press

from gateway.feedback.token import FeedbackTokens

pytestmark = pytest.mark.browser

SECRET = "s3cret"


def warnings_of(page) -> list[str]:
    """The page's console warnings, from now on."""
    warnings: list[str] = []
    page.on("console", lambda message: warnings.append(message.text) if message.type == "warning" else None)
    return warnings


def status_of(page) -> str:
    return page.get_by_role("status").text_content() or ""


def test_an_expired_token_tells_the_end_user_the_answer_can_no_longer_be_rated(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    # The end user read "the feedback token has expired: ... (FEEDGATE_FEEDBACK_TOKEN_TTL); the app can still post".
    # The page holds a token the gateway signed (its secret, its TTL) an hour ago: expired as one of 1 s is 2 s on,
    # without the wait.
    expiring = {"cors_origins": [page_server.origin], "feedback_token_ttl": 1, "feedback_secret": SECRET}
    gateway = start_gateway(settings.model_copy(update=expiring))
    interaction_id = widget_page(gateway, page_server)
    expired = FeedbackTokens(SECRET, 1, clock=lambda: time.time() - 3600).sign(interaction_id)
    page_server.page = re.sub(
        rb'data-feedgate-token="[^"]*"', f'data-feedgate-token="{expired}"'.encode(), page_server.page
    )
    page = browser.new_page()
    page.goto(page_server.origin)
    warnings = warnings_of(page)

    press(page, "Good answer", then="not saved")

    assert status_of(page) == "Your vote was not saved: this answer can no longer be rated."
    assert any("FEEDGATE_FEEDBACK_TOKEN_TTL" in warning and "feedback_token_expired" in warning for warning in warnings)
    assert page.get_by_role("button", name="Good answer").get_attribute("aria-pressed") == "false"
    assert gateway.interaction(interaction_id)["feedback"]["events"] == []
    page.close()


def test_a_spent_token_tells_the_end_user_no_more_feedback_is_taken(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    one_post = settings.model_copy(update={"feedback_token_max_submissions": 1})
    gateway, interaction_id, page = opened_widget(one_post, start_gateway, page_server, browser)
    warnings = warnings_of(page)
    press(page, "Good answer", then="Your vote is in")

    press(page, "Bad answer", then="not saved")

    assert status_of(page) == "Your vote was not saved: this answer takes no more feedback."
    assert any("stored its 1 submissions" in warning for warning in warnings)
    assert [event["thumbs"] for event in gateway.interaction(interaction_id)["feedback"]["current"]] == ["up"]
    page.close()


def test_a_user_the_token_does_not_speak_for_is_told_in_the_end_users_words(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    # data-feedgate-user is a claim the gateway checks against the user bound into the token: a page's slip.
    gateway, interaction_id, page = opened_widget(
        settings, start_gateway, page_server, browser, user="ann", claimed_user="bob"
    )
    warnings = warnings_of(page)

    press(page, "Good answer", then="not saved")

    assert status_of(page) == "Your vote was not saved: this answer can only be rated by the person it was given to."
    assert any("this feedback token speaks only for" in warning for warning in warnings)
    assert gateway.interaction(interaction_id)["feedback"]["events"] == []
    page.close()


def test_a_malformed_token_tells_the_developer_in_the_console(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    gateway = start_gateway(settings.model_copy(update={"cors_origins": [page_server.origin]}))
    page_server.page = f"""<!doctype html>
<html><body>
<div id="feedback"></div>
<script src="{gateway.origin}/static/feedgate.js"></script>
<script>Feedgate.mount(document.getElementById("feedback"), {{interactionId: "nope", token: "forged"}});</script>
</body></html>""".encode()
    page = browser.new_page()
    warnings = warnings_of(page)
    page.goto(page_server.origin)

    press(page, "Good answer", then="not saved")

    # Not "can no longer be rated": nothing expired; the page's token is wrong, which no end user can mend.
    assert status_of(page) == "Your vote was not saved: feedback is not working on this page."
    assert any(
        "the feedback token is malformed" in warning and "invalid_feedback_token" in warning for warning in warnings
    )
    page.close()


def test_an_erased_answer_tells_the_end_user_it_can_no_longer_be_rated(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
    admin_headers,
):
    gateway, _, page = opened_widget(settings, start_gateway, page_server, browser, user="carol")
    gateway.flush()
    erased = httpx.post(f"{gateway.origin}/api/erasures", json={"user": "carol"}, headers=admin_headers)
    assert erased.status_code == 200, erased.text
    warnings = warnings_of(page)

    press(page, "Good answer", then="not saved")

    assert status_of(page) == "Your vote was not saved: this answer can no longer be rated."
    assert any("interaction_erased" in warning for warning in warnings)
    page.close()
