"""The feedback widget, /static/feedgate.js, given a comment or correction of blank characters only: it sends none.

Blank is the gateway's one rule (gateway/domain/blank_text.py): Unicode's whitespace and the zero-width characters.
The widget trimmed with JavaScript's trim(), which keeps U+200B and the other zero-width ones: a comment of only
U+200B was sent, and refused by the gateway (422) where the widget says "Write your feedback first".
"""

from __future__ import annotations

import pytest
from test_feedback_browser import opened_widget, page_server  # noqa: F401 (fixture)
from widget_routes import answer_posts
from widget_steps import press

from gateway.domain.blank_text import BLANK_CHARACTERS

pytestmark = pytest.mark.browser

CORRECTION = "What should the answer have said?"
COMMENT = "What could be better?"


def test_texts_of_blank_characters_only_are_not_sent(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    gateway, interaction_id, page = opened_widget(
        settings, start_gateway, page_server, browser, attributes='data-feedgate-controls="correction comment"'
    )
    posts = answer_posts(page, page_server.origin, 500, times=0)  # watched only: every post goes through

    page.get_by_label(CORRECTION).fill(BLANK_CHARACTERS)
    page.get_by_label(COMMENT).fill("\u200b")
    press(page, "Send", then="Write your feedback first", exact=True)

    assert posts == []
    assert gateway.interaction(interaction_id)["feedback"]["events"] == []
    page.close()


def test_a_zero_width_comment_after_a_vote_adds_nothing_to_it(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    gateway, interaction_id, page = opened_widget(settings, start_gateway, page_server, browser)
    press(page, "Bad answer", then="Your vote is in")

    page.get_by_label(COMMENT).fill("\u200b\u2060\ufeff")
    press(page, "Send comment", then="Thanks for your feedback!")

    [stored] = gateway.interaction(interaction_id)["feedback"]["events"]
    assert (stored["thumbs"], stored["comment"]) == ("down", None)
    page.close()
