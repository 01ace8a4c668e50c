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


CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


async def answered_for_body_user(client: httpx.AsyncClient, user: str) -> tuple[str, str]:
    """A chat call under the app's key naming `user` in its body only (its token binds nobody): the interaction id
    and the feedback token."""
    response = await client.post(
        "/v1/chat/completions", json={**CHAT, "user": user}, headers={"authorization": f"Bearer {APP_KEY}"}
    )
    assert response.status_code == 200, response.text
    return response.headers["x-feedgate-interaction-id"], response.headers["x-feedgate-feedback-token"]
