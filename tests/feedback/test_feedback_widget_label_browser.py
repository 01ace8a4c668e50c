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
