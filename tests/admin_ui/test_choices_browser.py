"""In a real headless Chromium: an interaction of three choices reads on a phone (375 px) without scrolling
sideways, and a feedback row's choice link leads to, and marks, the choice it judges."""

from __future__ import annotations

import pytest
from page_seed import feedback, interaction_row
from test_admin_browser import capture, screenshots  # noqa: F401 (fixture)
from test_interaction_page_choices import chat_response
from test_narrow_layout_browser import PHONE, WIDTH, _signed_in_page
from test_phone_lists_browser import SIDEWAYS

from gateway.config import Settings

pytestmark = pytest.mark.browser


def test_a_feedback_rows_choice_link_leads_to_that_choice_on_a_phone(
    settings: Settings,
    start_gateway,
    browser,
    screenshots,  # noqa: F811 - the fixture imported above
):
    gateway = start_gateway(settings)
    texts = ("There is no fee.", "The fee is 1% abroad. " * 20, "x" * 600)
    row = interaction_row("What is the fee?", texts[0], response=chat_response(*texts))
    gateway.run_coroutine(gateway.app.services.interactions.insert_many([row]))
    gateway.run_coroutine(feedback(gateway.app, row["id"], comment="Wrong", correction="1%.", choice=2))
    page = _signed_in_page(gateway, browser, PHONE)

    page.goto(gateway.origin + f"/admin/interactions/{row['id']}")
    scroll_width, viewport = page.evaluate(WIDTH)
    page.click("#feedback td.on-choice a")
    marked = page.evaluate(
        """() => { const box = document.querySelector('.choice:target').getBoundingClientRect();
            return [document.querySelector('.choice:target').id, box.top >= 0 && box.top < window.innerHeight,
                    getComputedStyle(document.querySelector('.choice:target')).backgroundColor]; }"""
    )

    capture(page, screenshots, "phone-interaction-choices")
    assert scroll_width <= viewport
    assert page.evaluate(SIDEWAYS)["boxes"] == []  # the feedback table is a card a row
    assert marked == ["choice-2", True, "rgb(238, 244, 255)"]
    page.close()
