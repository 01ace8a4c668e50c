"""A user_id longer than its 200-character column: fitted exactly as the proxy fits the end user it names.

The proxy accepts an `x-feedgate-user` (or body `user`) of any length and stores it as its start, `~`
and a hash of the whole (gateway.recording.identifiers.fitted_identifier); feedback naming the same
user must land on the same fitted id, by token and by app key, so it counts for that user. Feedback
has no length bound of its own either: an id of 10,000 characters the proxy took was refused (422).
"""

from __future__ import annotations

import json

import pytest
from feedback_helpers import APP_KEY, error_of

from gateway.feedback.submission import InvalidSubmission, parse_submission
from gateway.recording.identifiers import fitted_identifier

LONG_USER = "L" * 300
# Longer than the 8,192 characters feedback took; the proxy takes it, as it takes any length its headers may carry.
VERY_LONG_USER = "u" * 10_000
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


def parse(**fields):
    return parse_submission(json.dumps({"interaction_id": "i-1", "thumbs": "down", **fields}).encode(), 1000)


async def end_user_of(client, admin_headers, interaction_id: str) -> str:
    response = await client.get(f"/api/interactions/{interaction_id}", headers=admin_headers)
    assert response.status_code == 200, response.text
    return response.json()["end_user"]


def test_a_long_user_id_is_fitted_as_the_proxy_fits_it():
    assert parse(user_id=LONG_USER).user_id == fitted_identifier(LONG_USER)


def test_a_user_id_of_the_column_width_is_kept_as_given():
    assert parse(user_id="u" * 200).user_id == "u" * 200


def test_a_user_id_of_any_length_is_fitted_as_the_proxy_fits_it():
    assert parse(user_id="u" * 100_000).user_id == fitted_identifier("u" * 100_000)


def test_a_long_user_id_with_a_nul_is_refused():
    with pytest.raises(InvalidSubmission, match="'user_id' must not contain NUL characters"):
        parse(user_id="u" * 250 + "\x00")


async def test_a_token_accepts_its_long_end_user_named_again(answer, post_feedback, client, admin_headers):
    given = await answer(user=LONG_USER)

    response = await post_feedback(
        {"interaction_id": given.interaction_id, "thumbs": "down", "user_id": LONG_USER}, token=given.token
    )

    assert response.status_code == 201, response.text
    assert response.json()["user_id"] == await end_user_of(client, admin_headers, given.interaction_id)


async def test_a_token_refuses_another_long_user_sharing_the_start(answer, post_feedback):
    given = await answer(user=LONG_USER)

    response = await post_feedback(
        {"interaction_id": given.interaction_id, "thumbs": "down", "user_id": LONG_USER + "x"}, token=given.token
    )

    assert (response.status_code, error_of(response)["code"]) == (403, "feedback_user_mismatch")


async def test_a_token_accepts_the_long_user_the_request_body_named(client, post_feedback, admin_headers):
    answered = await client.post(
        "/v1/chat/completions", json={**CHAT, "user": LONG_USER}, headers={"authorization": f"Bearer {APP_KEY}"}
    )
    interaction_id, token = answered.headers["x-feedgate-interaction-id"], answered.headers["x-feedgate-feedback-token"]

    response = await post_feedback(
        {"interaction_id": interaction_id, "thumbs": "down", "user_id": LONG_USER}, token=token
    )

    assert response.status_code == 201, response.text
    assert response.json()["user_id"] == await end_user_of(client, admin_headers, interaction_id)


async def test_an_app_key_naming_the_long_user_counts_for_the_interactions_end_user(
    answer, post_feedback, client, admin_headers
):
    given = await answer(user=LONG_USER)

    response = await post_feedback(
        {"interaction_id": given.interaction_id, "thumbs": "down", "user_id": LONG_USER}, key=APP_KEY
    )

    assert response.status_code == 201, response.text
    current = (await client.get(f"/api/interactions/{given.interaction_id}", headers=admin_headers)).json()["feedback"]
    end_user = await end_user_of(client, admin_headers, given.interaction_id)
    assert [(event["user_id"], event["negative"]) for event in current["current"]] == [(end_user, True)]


async def test_a_token_accepts_its_end_user_of_ten_thousand_characters_named_again(
    answer, post_feedback, client, admin_headers
):
    given = await answer(user=VERY_LONG_USER)

    response = await post_feedback(
        {"interaction_id": given.interaction_id, "thumbs": "down", "user_id": VERY_LONG_USER}, token=given.token
    )

    assert response.status_code == 201, response.text
    assert response.json()["user_id"] == await end_user_of(client, admin_headers, given.interaction_id)


async def test_an_app_key_naming_the_body_user_of_ten_thousand_characters_counts_for_them(
    client, post_feedback, admin_headers
):
    answered = await client.post(
        "/v1/chat/completions", json={**CHAT, "user": VERY_LONG_USER}, headers={"authorization": f"Bearer {APP_KEY}"}
    )
    interaction_id = answered.headers["x-feedgate-interaction-id"]

    response = await post_feedback(
        {"interaction_id": interaction_id, "thumbs": "down", "user_id": VERY_LONG_USER}, key=APP_KEY
    )

    assert response.status_code == 201, response.text
    assert response.json()["user_id"] == await end_user_of(client, admin_headers, interaction_id)
