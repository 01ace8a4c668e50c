"""The widget in Chromium, its script from https://tools.example.com/feedgate/static/feedgate.js behind a proxy.

The page is on another origin; the widget's endpoint is left to its default, which must be the
feedback endpoint under the same prefix the script came from.
"""

from __future__ import annotations

import html
from collections.abc import Iterator

import httpx
import pytest
from feedback_helpers import APP_KEY
from reverse_proxy import ReverseProxy
from test_feedback_browser import PageServer

pytestmark = pytest.mark.browser


@pytest.fixture
def page_server() -> Iterator[PageServer]:
    server = PageServer()
    yield server
    server.stop()


@pytest.fixture(params=[False, True], ids=["prefix-stripped", "prefix-kept"])
def proxy_mode(request: pytest.FixtureRequest) -> Iterator[bool]:
    yield request.param


def test_a_vote_from_another_origin_reaches_the_feedback_endpoint_under_the_prefix(
    settings,
    start_gateway,
    page_server,
    browser,
    proxy_mode,
):
    gateway = start_gateway(
        settings.model_copy(update={"cors_origins": [page_server.origin], "root_path": "/feedgate"})
    )
    proxy = ReverseProxy(gateway.origin, prefix="/feedgate", keep_prefix=proxy_mode).serve()
    try:
        answered = httpx.post(
            f"{proxy.public_base}/v1/chat/completions",
            json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "How do I reset my password?"}]},
            headers={"authorization": f"Bearer {APP_KEY}"},
        )
        interaction_id = answered.headers["x-feedgate-interaction-id"]
        token = html.escape(answered.headers["x-feedgate-feedback-token"])
        page_server.page = f"""<!doctype html>
<html><body>
<div data-feedgate-interaction="{interaction_id}" data-feedgate-token="{token}"></div>
<script src="{proxy.public_base}/static/feedgate.js"></script>
</body></html>""".encode()
        page = browser.new_page()
        page.goto(page_server.origin)
        page.get_by_role("button", name="Bad answer").click()
        page.get_by_role("status").filter(has_text="Your vote is in").wait_for(timeout=10_000)
    finally:
        proxy.stop()

    [stored] = gateway.interaction(interaction_id)["feedback"]["events"]
    assert stored["thumbs"] == "down"
