"""Feedback tokens and rows from before end-user ids lost their blank ends keep working until they expire.

A token issued for a call whose user was " user-8 " binds " user-8 " (signed, so it cannot be re-issued), and
the call's row kept the spaces; the widget now sends "user-8", trimmed by end_user_id. The intake compares
by the same rule: the token's bound user and the recorded end user are read through end_user_id too.
"""

from __future__ import annotations

import pytest
import uuid_utils
from feedback_helpers import APP_KEY, answered_for_body_user, error_of
from sqlalchemy import update

from gateway.feedback import posted_interaction
from gateway.privacy.erasure import erase_end_user
from gateway.store.tables import interactions


async def stored_as_before(client, gateway, engine) -> tuple[str, str]:
    """A call of "user-8" (named in its body), its row rewritten as the release before stored " user-8 "."""
    interaction_id, token = await answered_for_body_user(client, " user-8 ")
    await gateway.services.writer.flush()
    async with engine.begin() as connection:
        await connection.execute(
            update(interactions).where(interactions.c.id == interaction_id).values(end_user=" user-8 ")
        )
    return interaction_id, token


async def test_a_token_bound_to_the_user_with_spaces_takes_the_user_without_them(answer, post_feedback, gateway):
    given = await answer(user="user-8")
    old_token = gateway.services.feedback._tokens.sign(given.interaction_id, " user-8 ")

    response = await post_feedback({"thumbs": "down", "user_id": "user-8"}, token=old_token)

    assert response.status_code == 201, response.text


async def test_a_token_bound_to_the_user_with_spaces_stores_the_user_without_them(answer, post_feedback, gateway):
    given = await answer(user="user-8")
    old_token = gateway.services.feedback._tokens.sign(given.interaction_id, " user-8 ")

    response = await post_feedback({"thumbs": "down"}, token=old_token)

    assert response.json()["user_id"] == "user-8"


async def test_a_row_stored_with_the_users_spaces_takes_the_user_without_them(client, post_feedback, gateway, engine):
    _, token = await stored_as_before(client, gateway, engine)

    response = await post_feedback({"thumbs": "down", "user_id": "user-8"}, token=token)

    assert response.status_code == 201, response.text


async def test_a_token_bound_to_the_user_with_spaces_is_told_at_once_the_user_was_erased(
    post_feedback, gateway, engine, monkeypatch
):
    monkeypatch.setattr(posted_interaction, "VOUCHED_WAIT_SECONDS", 0.1)
    monkeypatch.setattr(posted_interaction, "STREAM_WAIT_SECONDS", 0.3)
    old_token = gateway.services.feedback._tokens.sign(str(uuid_utils.uuid7()), " user-8 ")
    await erase_end_user(engine, "user-8", "dpo", [], via="test")

    posted = await post_feedback({"thumbs": "up"}, token=old_token)

    assert (posted.status_code, error_of(posted)["code"]) == (410, "interaction_erased")


@pytest.mark.parametrize("other", ["user-9", " user-9 "])
async def test_a_token_bound_to_the_user_with_spaces_still_refuses_another_user(answer, post_feedback, gateway, other):
    given = await answer(user="user-8")
    old_token = gateway.services.feedback._tokens.sign(given.interaction_id, " user-8 ")

    response = await post_feedback({"thumbs": "down", "user_id": other}, token=old_token)

    assert (response.status_code, error_of(response)["code"]) == (403, "feedback_user_mismatch")


async def test_an_apps_post_on_a_row_stored_with_the_users_spaces_stores_the_user_without_them(
    client, post_feedback, gateway, engine
):
    interaction_id, _ = await stored_as_before(client, gateway, engine)

    response = await post_feedback({"interaction_id": interaction_id, "thumbs": "down"}, key=APP_KEY)

    assert response.json()["user_id"] == "user-8"
