"""POST /v1/feedback on an answer of several choices (`n` > 1): the post names the choice it judges.

`choice` is the index of the answer's choice the feedback is about, 0 (the first) when left out, so
posts written before it stay as they were. It must name one of the stored answer's choices.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from feedback_helpers import APP_KEY, error_of

APP = {"authorization": f"Bearer {APP_KEY}"}


async def answered(client: httpx.AsyncClient, n: int) -> str:
    """The interaction id of a chat completion of `n` choices through the gateway."""
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Which card?"}], "n": n}
    response = await client.post("/v1/chat/completions", json=body, headers=APP)
    assert response.status_code == 200, response.text
    assert len(response.json()["choices"]) == n
    return response.headers["x-feedgate-interaction-id"]


async def test_a_correction_names_the_choice_it_corrects(client, fake_upstream, post_feedback):
    interaction_id = await answered(client, 3)

    response = await post_feedback(
        {"interaction_id": interaction_id, "correction": "The blue one.", "choice": 2}, key=APP_KEY
    )

    assert response.status_code == 201, response.text
    assert response.json()["choice"] == 2


async def test_a_post_that_names_no_choice_is_about_the_first(client, fake_upstream, post_feedback):
    interaction_id = await answered(client, 3)

    response = await post_feedback({"interaction_id": interaction_id, "rating": 2}, key=APP_KEY)

    assert response.status_code == 201, response.text
    assert response.json()["choice"] == 0


@pytest.mark.parametrize(("n", "choice"), [(3, 3), (1, 1)])
async def test_a_choice_the_answer_does_not_have_is_refused(client, fake_upstream, post_feedback, n, choice):
    interaction_id = await answered(client, n)

    response = await post_feedback({"interaction_id": interaction_id, "thumbs": "down", "choice": choice}, key=APP_KEY)

    assert response.status_code == 422
    assert (error_of(response)["code"], error_of(response)["param"]) == ("invalid_feedback", "choice")
    assert f"{n} choice" in error_of(response)["message"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("value", [-1, 1.5, "1", True, [1]])
async def test_a_choice_that_is_no_index_is_refused(client, fake_upstream, post_feedback, value: Any):
    interaction_id = await answered(client, 3)

    response = await post_feedback({"interaction_id": interaction_id, "thumbs": "down", "choice": value}, key=APP_KEY)

    assert response.status_code == 422
    assert error_of(response)["param"] == "choice"


async def test_a_retry_under_the_same_key_naming_another_choice_is_refused(client, fake_upstream, post_feedback):
    interaction_id = await answered(client, 3)
    body = {"interaction_id": interaction_id, "thumbs": "down", "idempotency_key": "vote-1"}
    assert (await post_feedback({**body, "choice": 1}, key=APP_KEY)).status_code == 201

    response = await post_feedback({**body, "choice": 2}, key=APP_KEY)

    assert response.status_code == 422
    assert error_of(response)["code"] == "idempotency_key_reused"
