"""A feedback token made of blank characters only (gateway/domain/blank_text.py) is refused as an empty one is.

A token header of zero-width spaces (curl sends them as UTF-8) was read as Latin-1 and refused as a token that
"does not start with v1. or v2.", a message about a token where none was given; an empty one "is empty".
"""

from __future__ import annotations

import pytest


async def refusal(client, token: bytes) -> tuple[int, str, str]:
    """The status, code and message of a thumbs-up posted with `token` as the feedback token header's bytes."""
    response = await client.post("/v1/feedback", json={"thumbs": "up"}, headers={"x-feedgate-feedback-token": token})
    error = response.json()["error"]
    return response.status_code, error["code"], error["message"]


@pytest.mark.parametrize("blank", ["\u200b", "\u200b\u2060", "\ufeff \u3000"], ids=["zero-width", "joiners", "mixed"])
async def test_a_token_of_blank_characters_is_refused_as_an_empty_one(client, blank):
    empty = await refusal(client, b"")

    assert await refusal(client, blank.encode()) == empty
    assert empty[:2] == (403, "invalid_feedback_token")
    assert "it is empty" in empty[2]
