"""The feedback widget, /static/feedgate.js, under a gateway whose FEEDGATE_FEEDBACK_MAX_TEXT_CHARS is not the default:
its boxes stop where the gateway would refuse, and a text refused as too long is told in the end user's words."""

from __future__ import annotations

import pytest
from test_feedback_browser import opened_widget, page_server  # noqa: F401 (fixture)
from widget_steps import press

pytestmark = pytest.mark.browser

LIMIT = 20
CORRECTION = "What should the answer have said?"
COMMENT = "What could be better?"


def test_the_text_boxes_take_no_more_than_the_gateways_limit(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    # The boxes said maxlength="10000" whatever the gateway took: past its limit, a long comment was lost to a 422.
    small = settings.model_copy(update={"feedback_max_text_chars": LIMIT})
    gateway, interaction_id, page = opened_widget(
        small, start_gateway, page_server, browser, attributes='data-feedgate-controls="thumbs correction comment"'
    )
    press(page, "Bad answer", then="Your vote is in")

    page.get_by_label(COMMENT).press_sequentially("x" * (LIMIT + 10))
    press(page, "Send", then="Thanks for your feedback!", exact=True)

    [_, sent] = gateway.interaction(interaction_id)["feedback"]["events"]
    assert sent["comment"] == "x" * LIMIT
    page.close()


def test_a_text_the_gateway_finds_too_long_is_told_with_its_limit(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    small = settings.model_copy(update={"feedback_max_text_chars": LIMIT})
    gateway, interaction_id, page = opened_widget(small, start_gateway, page_server, browser)
    warnings: list[str] = []
    page.on("console", lambda message: warnings.append(message.text) if message.type == "warning" else None)
    press(page, "Bad answer", then="Your vote is in")

    # Set by the page's code, as a draft restored into the box is: the box stops typing past the limit, not that.
    page.get_by_label(COMMENT).evaluate("(box, text) => { box.value = text; }", "x" * (LIMIT + 5))
    press(page, "Send comment", then="not saved")

    assert page.get_by_role("status").text_content() == (
        f"Your comment was not saved: the comment is too long (at most {LIMIT} characters). "
        "Shorten it and press \u201cSend comment\u201d again."
    )
    assert any(
        "feedback_text_too_long" in warning and f"at most {LIMIT} are accepted" in warning for warning in warnings
    )
    assert page.get_by_label(COMMENT).input_value() == "x" * (LIMIT + 5)  # kept, to shorten
    assert [event["comment"] for event in gateway.interaction(interaction_id)["feedback"]["events"]] == [None]
    page.close()


# U+1F600: one character (code point) to the gateway, which counts the text as Python's len does, but two UTF-16 code
# units to a browser, whose maxlength counts those.
EMOJI = "\U0001f600"


def test_a_box_takes_as_many_emoji_as_the_gateway_counts_characters(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    # maxlength="20" stopped typing after 10 emoji, which the gateway counts as 10 of its 20 characters.
    small = settings.model_copy(update={"feedback_max_text_chars": LIMIT})
    gateway, interaction_id, page = opened_widget(
        small, start_gateway, page_server, browser, attributes='data-feedgate-controls="thumbs correction comment"'
    )
    press(page, "Bad answer", then="Your vote is in")

    page.get_by_label(COMMENT).press_sequentially(EMOJI * (LIMIT + 5))
    page.get_by_label(CORRECTION).fill("x" * 5 + EMOJI * (LIMIT + 5))  # pasted at once: cut where the gateway stops
    press(page, "Send", then="Thanks for your feedback!", exact=True)

    [_, sent] = gateway.interaction(interaction_id)["feedback"]["events"]
    assert sent["comment"] == EMOJI * LIMIT
    assert sent["correction"] == "x" * 5 + EMOJI * (LIMIT - 5)
    page.close()
