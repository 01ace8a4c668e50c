"""A prompt version's message is a person's words, kept by the one blank rule (gateway/domain/blank_text.py): one of
blank characters only, zero-width ones included, is no message, and its blank ends are trimmed."""

from __future__ import annotations


async def published_message(client, admin_headers, message: str) -> str:
    body = {"app": "bot", "text": "Fees are 1%.", "message": message}
    response = await client.post("/api/prompts", json=body, headers=admin_headers)
    assert response.status_code == 201, response.text
    return response.json()["message"]


async def test_a_message_of_zero_width_spaces_is_no_message(client, admin_headers):
    assert await published_message(client, admin_headers, "\u200b\u2060 ") == ""


async def test_a_messages_zero_width_ends_are_trimmed(client, admin_headers):
    assert await published_message(client, admin_headers, "\ufeff fee fix\u200b") == "fee fix"
