"""An end user's id without its blank ends, on every side: " user-8 " and "user-8" are one user.

HTTP drops the spaces around a header's value, so `x-feedgate-user: " user-8 "` was stored as "user-8", but the
body's `user` and feedback's `user_id` kept theirs: a call with `"user": " user-8 "` was stored with the spaces,
and the widget given userId="user-8" was refused (403 feedback_user_mismatch). One rule now
(gateway.recording.identifiers.end_user_id): the blank characters of gateway/domain/blank_text.py, zero-width
ones included, are taken off both ends wherever an end user is named.
"""

from __future__ import annotations

from feedback_helpers import APP_KEY, CHAT, answered_for_body_user, error_of

from gateway.recording.identifiers import end_user_id


async def end_user_of(client, admin_headers, interaction_id: str) -> str:
    response = await client.get(f"/api/interactions/{interaction_id}", headers=admin_headers)
    assert response.status_code == 200, response.text
    return response.json()["end_user"]


def test_the_rule_takes_blank_characters_off_both_ends():
    assert end_user_id(" \u200buser-8\u3000\t") == "user-8"


def test_the_rule_keeps_blank_characters_inside_the_id():
    assert end_user_id(" user 8 ") == "user 8"


async def test_the_body_users_spaces_are_not_stored(client, admin_headers):
    interaction_id, _ = await answered_for_body_user(client, " user-8 ")

    assert await end_user_of(client, admin_headers, interaction_id) == "user-8"


async def test_a_widget_naming_the_body_user_without_its_spaces_is_that_user(client, post_feedback):
    _, token = await answered_for_body_user(client, " user-8 ")

    response = await post_feedback({"thumbs": "down", "user_id": "user-8"}, token=token)

    assert response.status_code == 201, response.text
    assert response.json()["user_id"] == "user-8"


async def test_a_user_id_with_spaces_is_the_header_user_the_token_binds(answer, post_feedback):
    given = await answer(user="user-8")

    response = await post_feedback({"thumbs": "down", "user_id": " user-8 "}, token=given.token)

    assert response.status_code == 201, response.text
    assert response.json()["user_id"] == "user-8"


async def test_a_header_user_ending_in_a_zero_width_space_is_the_user_without_it(client, post_feedback):
    # HTTP drops only spaces and tabs: a zero-width space (UTF-8 in the header) was kept, and "user-8" refused.
    headers = {"authorization": f"Bearer {APP_KEY}", "x-feedgate-user": "user-8\u200b".encode()}
    answered = await client.post("/v1/chat/completions", json=CHAT, headers=headers)

    response = await post_feedback(
        {"thumbs": "down", "user_id": "user-8"}, token=answered.headers["x-feedgate-feedback-token"]
    )

    assert response.status_code == 201, response.text


async def test_another_user_is_still_refused_by_the_token(answer, post_feedback):
    given = await answer(user="user-8")

    response = await post_feedback({"thumbs": "down", "user_id": " user-9 "}, token=given.token)

    assert (response.status_code, error_of(response)["code"]) == (403, "feedback_user_mismatch")


async def test_an_erasure_naming_the_user_with_spaces_erases_the_user(gateway, client, admin_headers):
    await answered_for_body_user(client, "user-8")
    await gateway.services.writer.flush()

    erased = await client.post("/api/erasures", json={"user": " user-8 "}, headers=admin_headers)

    assert erased.status_code == 200, erased.text
    assert erased.json()["removed"]["interactions"] == 1
