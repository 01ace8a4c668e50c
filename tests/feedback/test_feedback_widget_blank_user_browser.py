"""The feedback widget, /static/feedgate.js, given a blank user id (a template's unset variable): it names no user."""

from __future__ import annotations

import pytest
from test_feedback_browser import opened_widget, page_server, widget_page  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser


def test_a_page_naming_a_blank_user_has_its_vote_taken_with_no_user_named(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    # The gateway refuses a blank user_id (422): the widget sent "  " (it dropped only "") and the vote was lost.
    gateway, interaction_id, page = opened_widget(settings, start_gateway, page_server, browser, claimed_user=" \t ")

    page.get_by_role("button", name="Bad answer").click()

    page.get_by_role("status").filter(has_text="Your vote is in").wait_for(timeout=10_000)
    [stored] = gateway.interaction(interaction_id)["feedback"]["events"]
    assert (stored["thumbs"], stored["user_id"]) == ("down", None)
    page.close()


# Blank to the gateway too (gateway/domain/blank_text.py, as the widget checks it): a non-breaking space, and
# zero-width characters, which str.strip keeps (the gateway refused such a user_id as blank: sent, the vote was lost).
@pytest.mark.parametrize("blank_user", ["\\u00a0 ", "\\u200b\\u2060"], ids=["nbsp", "zero-width"])
def test_a_blank_user_id_given_to_mount_names_no_user(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
    blank_user,
):
    gateway = start_gateway(settings.model_copy(update={"cors_origins": [page_server.origin]}))
    interaction_id = widget_page(gateway, page_server, user="ann")
    page = browser.new_page()
    page.goto(page_server.origin)
    page.evaluate(
        """([id, token, user]) => Feedgate.mount(document.body, {interactionId: id, token: token, userId: JSON.parse(user)})""",
        [interaction_id, page.get_attribute("#feedback", "data-feedgate-token"), f'"{blank_user}"'],
    )

    page.locator("body > .feedgate").get_by_role("button", name="Good answer").click()

    page.locator("body > .feedgate").get_by_role("status").filter(has_text="Your vote is in").wait_for(timeout=10_000)
    [stored] = gateway.interaction(interaction_id)["feedback"]["events"]
    assert (stored["thumbs"], stored["user_id"]) == ("up", "ann")  # the token's user, as with no user_id
    page.close()
