"""A feedback post's `user_id` and `interaction_id` are blank by the one rule (gateway/domain/blank_text.py): an id of
zero-width or ideographic spaces names no one, as an empty one does, and is refused saying so (str.strip kept U+200B,
and such a user was counted as a voter)."""

from __future__ import annotations

import pytest
from feedback_helpers import APP_KEY, error_of

BLANKS = ["\u200b", "\u3000", " \ufeff\u2060 "]


@pytest.fixture
async def given(answer):
    return await answer()


@pytest.mark.parametrize("blank", BLANKS)
async def test_a_user_id_of_blank_characters_is_refused_as_blank(given, post_feedback, blank):
    body = {"interaction_id": given.interaction_id, "thumbs": "down", "user_id": blank}

    response = await post_feedback(body, token=given.token)

    assert response.status_code == 422
    assert (error_of(response)["param"], error_of(response)["message"]) == (
        "user_id",
        "'user_id' is blank: " + ("give the end user's id, or leave it out"),
    )


@pytest.mark.parametrize("blank", BLANKS)
async def test_an_interaction_id_of_blank_characters_with_the_apps_key_is_refused_as_blank(given, post_feedback, blank):
    response = await post_feedback({"interaction_id": blank, "thumbs": "down"}, key=APP_KEY)

    assert response.status_code == 422
    assert error_of(response)["param"] == "interaction_id"
    assert error_of(response)["message"].startswith("'interaction_id' is blank: ")


async def test_an_interaction_id_of_zero_width_spaces_with_a_token_is_the_tokens_interaction(given, post_feedback):
    # As an empty one is: a template's unset $ID.
    response = await post_feedback({"interaction_id": "\u200b\u200b", "thumbs": "up"}, token=given.token)

    assert response.status_code == 201, response.text
    assert response.json()["interaction_id"] == given.interaction_id
