"""The feedback widget, /static/feedgate.js, several on one page: each names the answer it rates to a screen reader."""

from __future__ import annotations

import pytest
from test_feedback_browser import page_server  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

TWO_WIDGETS = """<!doctype html>
<html><body>
<p>Reset it under Settings.</p>
<div data-feedgate-interaction="i-1" data-feedgate-token="t-1" data-feedgate-label="the answer about passwords"></div>
<p>The fee is 1%.</p>
<div id="second"></div>
<div data-feedgate-interaction="i-3" data-feedgate-token="t-3"></div>
<script src="{origin}/static/feedgate.js"></script>
<script>Feedgate.mount(document.getElementById("second"),
  {{interactionId: "i-2", token: "t-2", label: "the answer about fees"}});</script>
</body></html>"""


def test_each_widget_on_a_page_names_what_it_rates(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    # Every pair was "Rate this answer", "Good answer", "Bad answer": which answer a pair judged was anyone's guess.
    gateway = start_gateway(settings)
    page_server.page = TWO_WIDGETS.format(origin=gateway.origin).encode()
    page = browser.new_page()
    page.goto(page_server.origin)

    passwords = page.get_by_role("group", name="Rate the answer about passwords", exact=True)
    fees = page.get_by_role("group", name="Rate the answer about fees", exact=True)
    assert passwords.count() == 1 and fees.count() == 1
    assert passwords.get_by_role("button", name="Good answer: the answer about passwords", exact=True).count() == 1
    assert fees.get_by_role("button", name="Bad answer: the answer about fees", exact=True).count() == 1
    # Without a label, as before.
    unnamed = page.get_by_role("group", name="Rate this answer", exact=True)
    assert unnamed.get_by_role("button", name="Good answer", exact=True).count() == 1
    page.close()


LABELLED_BOX = """<!doctype html>
<html><body>
<div data-feedgate-interaction="i-1" data-feedgate-token="t-1" data-feedgate-label="choice 2"
     data-feedgate-controls="thumbs rating correction comment"></div>
<script src="{origin}/static/feedgate.js"></script>
</body></html>"""


def test_the_text_boxes_and_rating_name_what_they_rate_too(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    # The thumbs said "Good answer: choice 2", the comment box only "What could be better?", of any answer on the page.
    gateway = start_gateway(settings)
    page_server.page = LABELLED_BOX.format(origin=gateway.origin).encode()
    page = browser.new_page()
    page.goto(page_server.origin)

    def named(role: str, name: str) -> int:
        return page.get_by_role(role, name=name, exact=True, include_hidden=True).count()  # type: ignore[arg-type]

    assert named("textbox", "What could be better? (optional): choice 2") == 1
    assert named("textbox", "What should the answer have said? (optional): choice 2") == 1
    assert named("button", "Send: choice 2") == 1
    assert named("group", "Rating: choice 2") == 1
    assert named("button", "Rate 3 of 5: choice 2") == 1
    page.close()
