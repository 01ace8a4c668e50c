"""Names longer than their columns (models, end users): the call is stored, fitted, and its end user can be erased."""

from __future__ import annotations

from gateway.recording.identifiers import IDENTIFIER_CHARS, fitted_identifier

AUTH = {"authorization": "Bearer sk-app-one"}
LONG_USER = "user-" + "u" * 495
LONG_MODEL = "model-" + "m" * 294


async def stored(gateway, client, admin_headers, response) -> dict:
    await gateway.services.writer.flush()
    found = await client.get(
        f"/api/interactions/{response.headers['x-feedgate-interaction-id']}", headers=admin_headers
    )
    assert found.status_code == 200, found.text
    return found.json()


async def test_a_call_naming_a_model_and_a_user_longer_than_their_columns_is_stored(
    gateway, client, admin_headers, fake_upstream
):
    # PostgreSQL refused the row (VARCHAR(200)) and the interaction was lost.
    body = {"model": LONG_MODEL, "messages": [{"role": "user", "content": "hi"}]}
    response = await client.post("/v1/chat/completions", json=body, headers={**AUTH, "x-feedgate-user": LONG_USER})

    record = await stored(gateway, client, admin_headers, response)

    assert (len(record["model"]), len(record["end_user"])) == (IDENTIFIER_CHARS, IDENTIFIER_CHARS)
    assert record["end_user"] == fitted_identifier(LONG_USER)
    assert record["request"]["model"] == LONG_MODEL  # the request itself is kept as sent


async def test_two_long_users_that_share_their_first_200_characters_stay_apart(
    gateway, client, admin_headers, fake_upstream
):
    chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    first = await client.post("/v1/chat/completions", json={**chat, "user": LONG_USER + "-a"}, headers=AUTH)
    second = await client.post("/v1/chat/completions", json={**chat, "user": LONG_USER + "-b"}, headers=AUTH)

    users = {(await stored(gateway, client, admin_headers, r))["end_user"] for r in (first, second)}

    assert len(users) == 2


async def test_an_end_user_longer_than_the_column_is_erased_by_the_id_the_app_sent(
    gateway, client, admin_headers, fake_upstream
):
    chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    response = await client.post("/v1/chat/completions", json=chat, headers={**AUTH, "x-feedgate-user": LONG_USER})
    await stored(gateway, client, admin_headers, response)

    erased = await client.post("/api/erasures", json={"user": LONG_USER}, headers=admin_headers)

    assert erased.status_code == 200, erased.text
    assert erased.json()["removed"]["interactions"] == 1


async def test_an_end_user_of_ten_thousand_characters_is_erased_by_the_id_the_app_sent(
    gateway, client, admin_headers, fake_upstream
):
    # The proxy takes the id; erasure refused any past 8,192 characters, so that user could not be erased.
    very_long_user = "u" * 10_000
    chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    response = await client.post("/v1/chat/completions", json=chat, headers={**AUTH, "x-feedgate-user": very_long_user})
    await stored(gateway, client, admin_headers, response)

    erased = await client.post("/api/erasures", json={"user": very_long_user}, headers=admin_headers)

    assert erased.status_code == 200, erased.text
    assert erased.json()["removed"]["interactions"] == 1
