"""Constants and small helpers shared by the feedback tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

APP_KEY = "sk-feedback-app"
OTHER_APP_KEY = "sk-some-other-app"


@dataclass(frozen=True)
class Answer:
    """One proxied chat completion, as the app sees it."""

    interaction_id: str
    token: str
    response_id: str


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The OpenAI-style error object of a refused request."""
    return response.json()["error"]
