"""The README's Python snippet for reading an answer's interaction id and feedback token, run as written."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
README_BASE_URL = "http://127.0.0.1:8080/v1"


def readme_python_block_with(marker: str) -> str:
    """The one ```python block of the README that holds `marker`."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.DOTALL)
    [block] = [block for block in blocks if marker in block]
    return block


def test_the_readme_shows_how_to_read_the_interaction_id_and_feedback_token(
    live_gateway, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-readme")
    snippet = readme_python_block_with("x-feedgate-feedback-token")
    names: dict[str, object] = {}

    exec(snippet.replace(README_BASE_URL, live_gateway.url), names)  # the README's own code, run as written

    assert names["completion"].choices[0].message.content == "Echo: Hello"
    posted = httpx.post(
        f"{live_gateway.url}/feedback",
        headers={"x-feedgate-feedback-token": names["feedback_token"]},
        json={"interaction_id": names["interaction_id"], "thumbs": "up"},
    )
    assert posted.status_code == 201, posted.text
    assert posted.json()["user_id"] == "user-42"
