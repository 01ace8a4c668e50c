"""docs/feedback.md's Python snippet for reading an answer's interaction id and feedback token, run as written."""

from __future__ import annotations

import httpx
import pytest

from tests.docs_pages import python_block_with

PAGE = "docs/feedback.md"
DOCS_BASE_URL = "http://127.0.0.1:8080/v1"


def test_the_feedback_page_shows_how_to_read_the_interaction_id_and_feedback_token(
    live_gateway, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-readme")
    snippet = python_block_with("x-feedgate-feedback-token", PAGE)
    names: dict[str, object] = {}

    exec(snippet.replace(DOCS_BASE_URL, live_gateway.url), names)  # the page's own code, run as written

    assert names["completion"].choices[0].message.content == "Echo: Hello"
    posted = httpx.post(
        f"{live_gateway.url}/feedback",
        headers={"x-feedgate-feedback-token": names["feedback_token"]},
        json={"interaction_id": names["interaction_id"], "thumbs": "up"},
    )
    assert posted.status_code == 201, posted.text
    assert posted.json()["user_id"] == "user-42"
