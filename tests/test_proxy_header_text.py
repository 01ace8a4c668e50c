"""Feedgate's own request headers read as a client wrote them: UTF-8, or the Latin-1 that Node's fetch and browsers send."""

from __future__ import annotations

import pytest

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Where is my card?"}]}
AUTH = {"authorization": "Bearer sk-app-one"}


async def _stored(gateway, response) -> dict:
    await gateway.services.writer.flush()
    row = await gateway.services.interactions.get(response.headers["x-feedgate-interaction-id"])
    assert row is not None
    return row


@pytest.mark.parametrize("encoding", ["latin-1", "utf-8"])
async def test_an_end_user_with_an_accent_is_stored_as_the_app_named_them(gateway, client, fake_upstream, encoding):
    # Node's fetch sends "José" as the byte 0xE9 for é (a header is a ByteString); it was stored as "Jos\ufffd".
    headers = {**AUTH, "x-feedgate-user": "José".encode(encoding)}
    response = await client.post("/v1/chat/completions", json=CHAT, headers=headers)

    assert (await _stored(gateway, response))["end_user"] == "José"


async def test_metadata_with_an_accent_from_node_is_stored_not_refused(gateway, client, fake_upstream):
    # JSON.stringify({feature: "café"}) in a Node header: a JSON object, answered 400 "must be a JSON object".
    headers = {**AUTH, "x-feedgate-metadata": '{"feature": "café"}'.encode("latin-1")}
    response = await client.post("/v1/chat/completions", json=CHAT, headers=headers)

    assert response.status_code == 200
    assert (await _stored(gateway, response))["metadata"] == {"feature": "café"}


async def test_the_token_of_an_end_user_with_an_accent_takes_their_vote_from_the_widget(client, fake_upstream):
    # The widget posts data-feedgate-user in a JSON body (UTF-8): the token had bound "Jos\ufffd", so 403.
    answered = await client.post(
        "/v1/chat/completions", json=CHAT, headers={**AUTH, "x-feedgate-user": "José".encode("latin-1")}
    )
    vote = {"interaction_id": answered.headers["x-feedgate-interaction-id"], "thumbs": "up", "user_id": "José"}

    posted = await client.post(
        "/v1/feedback", json=vote, headers={"x-feedgate-feedback-token": answered.headers["x-feedgate-feedback-token"]}
    )

    assert posted.status_code == 201, posted.text
    assert posted.json()["user_id"] == "José"


# Zero-width characters show nothing either: the feedback route calls such a user_id blank (gateway.domain.blank_text).
@pytest.mark.parametrize(
    "blank",
    ["   ", "\t", "\u00a0".encode("latin-1"), "\u200b".encode(), " \u200b\ufeff ".encode(), "\u2060".encode()],
)
async def test_a_user_header_of_whitespace_only_names_no_end_user(gateway, client, fake_upstream, blank):
    # What a client sends for a template's unset variable padded with spaces: it was stored as an end user "   ".
    response = await client.post("/v1/chat/completions", json=CHAT, headers={**AUTH, "x-feedgate-user": blank})

    assert (await _stored(gateway, response))["end_user"] is None


async def test_a_user_header_of_whitespace_only_leaves_the_request_user_field_to_name_the_end_user(
    gateway, client, fake_upstream
):
    headers = {**AUTH, "x-feedgate-user": "   "}
    response = await client.post("/v1/chat/completions", json={**CHAT, "user": "from-body"}, headers=headers)

    assert (await _stored(gateway, response))["end_user"] == "from-body"


async def test_the_token_for_a_whitespace_only_user_header_is_bound_to_no_user(client, fake_upstream):
    # Bound to "   ", the widget's vote for that user was a 400 ('user_id' must be non-empty) or a 403.
    answered = await client.post("/v1/chat/completions", json=CHAT, headers={**AUTH, "x-feedgate-user": "   "})
    vote = {"interaction_id": answered.headers["x-feedgate-interaction-id"], "thumbs": "up"}

    posted = await client.post(
        "/v1/feedback", json=vote, headers={"x-feedgate-feedback-token": answered.headers["x-feedgate-feedback-token"]}
    )

    assert posted.status_code == 201, posted.text
    assert posted.json()["user_id"] is None


async def test_a_request_user_field_of_zero_width_characters_names_no_end_user(gateway, client, fake_upstream):
    response = await client.post("/v1/chat/completions", json={**CHAT, "user": "\u200b\u200d"}, headers=AUTH)

    assert (await _stored(gateway, response))["end_user"] is None
