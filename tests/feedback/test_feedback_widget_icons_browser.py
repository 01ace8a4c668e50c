"""The feedback widget, /static/feedgate.js: its thumbs are drawn by the script, not taken from an emoji font."""

from __future__ import annotations

import pytest
from test_feedback_browser import page_server  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

PAGE = """<!doctype html>
<html><body>
<div data-feedgate-interaction="i-1" data-feedgate-token="t-1"></div>
<script src="{origin}/static/feedgate.js"></script>
</body></html>"""

THUMB = """button => {
  const icon = button.querySelector("svg");
  const box = icon && icon.getBoundingClientRect();
  return {
    text: button.textContent.trim(),
    drawn: !!icon && icon.getAttribute("aria-hidden") === "true" && !!icon.querySelector("path")
      && box.width > 8 && box.height > 8,
    picture: icon ? icon.innerHTML : "",
  };
}"""


def test_the_thumbs_are_drawn_icons_that_keep_their_names(
    settings,
    start_gateway,
    page_server,  # noqa: F811 - the fixture imported above
    browser,
):
    # Emoji only: on a system without an emoji font the thumbs were two identical boxes.
    gateway = start_gateway(settings)
    page_server.page = PAGE.format(origin=gateway.origin).encode()
    page = browser.new_page()
    page.goto(page_server.origin)

    up = page.get_by_role("button", name="Good answer", exact=True).evaluate(THUMB)
    down = page.get_by_role("button", name="Bad answer", exact=True).evaluate(THUMB)

    assert up["text"] == "" and down["text"] == ""  # no character for a font to lack
    assert up["drawn"] and down["drawn"]
    assert up["picture"] != down["picture"]  # up and down, not the same picture twice
    page.close()
