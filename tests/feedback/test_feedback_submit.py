"""POST /v1/feedback: what is stored, what comes back, and who may post."""

from __future__ import annotations

import pytest
from feedback_helpers import APP_KEY, OTHER_APP_KEY, error_of


async def test_feedback_with_a_token_is_stored_and_returned(answer, post_feedback):
    given = await answer()

    response = await post_feedback({"interaction_id": given.interaction_id, "thumbs": "up"}, token=given.token)

    assert response.status_code == 201
    stored = response.json()
    assert stored["id"]
    assert stored["interaction_id"] == given.interaction_id
    assert stored["thumbs"] == "up"
    assert stored["negative"] is False
    assert stored["submitted_via"] == "token"


async def test_every_field_is_stored(answer, post_feedback):
    given = await answer()
    body = {
        "interaction_id": given.interaction_id,
        "thumbs": "down",
        "rating": 2,
        "correction": "The fee is 2%, not 3%.",
        "comment": "Wrong fee",
        "user_id": "user-7",
        "metadata": {"page": "checkout"},
        "idempotency_key": "click-1",
    }

    stored = (await post_feedback(body, token=given.token)).json()

    assert {k: stored[k] for k in body} == body
    assert stored["seconds_after_answer"] >= 0


async def test_the_upstream_response_id_resolves_to_the_gateways_id(answer, post_feedback):
    given = await answer()

    response = await post_feedback({"interaction_id": given.response_id, "rating": 5}, token=given.token)

    assert response.status_code == 201
    assert response.json()["interaction_id"] == given.interaction_id


async def test_feedback_right_after_the_answer_finds_the_unflushed_interaction(gateway_with):
    # A writer that never flushes by itself: only the feedback endpoint's flush stores the interaction.
    async with gateway_with(writer_flush_interval=3600.0) as (_, http):
        chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
        answered = await http.post("/v1/chat/completions", json=chat, headers={"authorization": f"Bearer {APP_KEY}"})
        response = await http.post(
            "/v1/feedback",
            json={"interaction_id": answered.headers["x-feedgate-interaction-id"], "thumbs": "up"},
            headers={"x-feedgate-feedback-token": answered.headers["x-feedgate-feedback-token"]},
        )

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("signal", "negative"),
    [
        ({"thumbs": "down"}, True),
        ({"thumbs": "up"}, False),
        ({"rating": 1}, True),
        ({"rating": 2}, True),
        ({"rating": 3}, False),
        ({"rating": 5}, False),
        ({"correction": "It is 42."}, True),
        ({"comment": "Thanks"}, False),
        ({"thumbs": "up", "rating": 1}, True),
    ],
)
async def test_feedback_is_negative_on_thumbs_down_a_low_rating_or_a_correction(
    answer, post_feedback, signal, negative
):
    given = await answer()

    stored = (await post_feedback({"interaction_id": given.interaction_id, **signal}, token=given.token)).json()

    assert stored["negative"] is negative


# -- the app's own credential ---------------------------------------------------------


async def test_the_app_may_post_with_the_key_it_proxies_with(answer, post_feedback):
    given = await answer(APP_KEY)

    response = await post_feedback({"interaction_id": given.interaction_id, "thumbs": "down"}, key=APP_KEY)

    assert response.status_code == 201
    assert response.json()["submitted_via"] == "app"


async def test_an_app_may_not_post_on_another_apps_interaction(answer, post_feedback):
    given = await answer(APP_KEY)

    response = await post_feedback({"interaction_id": given.interaction_id, "thumbs": "down"}, key=OTHER_APP_KEY)

    assert response.status_code == 403
    # After a key rotation in pass-through mode the app's own answers read as another app's: say so, and the way out.
    assert error_of(response)["message"] == (
        "this interaction belongs to another app: post with the API key its call was made with (in pass-through "
        "mode a new key is a new app), or with the answer's feedback token"
    )


async def test_in_gateway_key_mode_the_issued_key_is_the_credential(gateway_with):
    async with gateway_with(key_mode="gateway") as (app, http):
        issued = await app.services.keys.issue("support-bot")
        chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
        auth = {"authorization": f"Bearer {issued.raw_key}"}
        answered = await http.post("/v1/chat/completions", json=chat, headers=auth)
        body = {"interaction_id": answered.headers["x-feedgate-interaction-id"], "thumbs": "up"}
        mine = await http.post("/v1/feedback", json=body, headers=auth)
        unknown = await http.post("/v1/feedback", json=body, headers={"authorization": "Bearer fgk-not-issued"})

    assert mine.status_code == 201
    assert mine.json()["app"] == "support-bot"
    assert unknown.status_code == 401
    assert "incorrect API key" in unknown.json()["error"]["message"]


# -- idempotency and history -------------------------------------------------------------


async def test_a_retry_under_the_same_idempotency_key_stores_once_and_returns_the_original(
    answer, post_feedback, client, admin_headers
):
    given = await answer()
    # Metadata as sent, an integer beyond 64 bits and a float included: the retry must compare equal.
    body = {
        "interaction_id": given.interaction_id,
        "thumbs": "down",
        "comment": "wrong fee",
        "metadata": {"page": "checkout", "big": 2**70, "score": 0.1, "tags": ["a", {"b": None}]},
        "idempotency_key": "k1",
    }
    first = await post_feedback(body, token=given.token)

    again = await post_feedback(body, token=given.token)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    events = (await client.get(f"/api/interactions/{given.interaction_id}", headers=admin_headers)).json()["feedback"]
    assert len(events["events"]) == 1


async def test_a_different_post_under_a_used_idempotency_key_is_refused_and_not_lost_in_silence(
    answer, post_feedback, client, admin_headers
):
    given = await answer()
    first = await post_feedback(
        {"interaction_id": given.interaction_id, "thumbs": "up", "idempotency_key": "k1"}, token=given.token
    )

    changed = await post_feedback(
        {"interaction_id": given.interaction_id, "thumbs": "down", "comment": "no", "idempotency_key": "k1"},
        token=given.token,
    )

    assert (first.status_code, changed.status_code) == (201, 422)
    error = error_of(changed)
    assert (error["code"], error["param"]) == ("idempotency_key_reused", "idempotency_key")
    assert "'k1' was already used on this interaction for feedback that differs in thumbs, comment" in error["message"]
    events = (await client.get(f"/api/interactions/{given.interaction_id}", headers=admin_headers)).json()["feedback"]
    assert [event["thumbs"] for event in events["events"]] == ["up"]


async def test_an_idempotency_key_is_scoped_to_its_interaction(answer, post_feedback):
    one, two = await answer(), await answer()

    first = await post_feedback(
        {"interaction_id": one.interaction_id, "thumbs": "up", "idempotency_key": "k"}, token=one.token
    )
    second = await post_feedback(
        {"interaction_id": two.interaction_id, "thumbs": "up", "idempotency_key": "k"}, token=two.token
    )

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json()["interaction_id"] == two.interaction_id


async def test_every_submission_is_kept_and_the_latest_per_user_is_current(
    answer, post_feedback, client, admin_headers
):
    # The app's key is trusted to name its users (a token speaks for one voter: see test_feedback_integrity).
    given = await answer()
    for body in (
        {"user_id": "ann", "thumbs": "up"},
        {"user_id": "bob", "rating": 4},
        {"user_id": "ann", "thumbs": "down", "comment": "changed my mind"},
    ):
        await post_feedback({"interaction_id": given.interaction_id, **body}, key=APP_KEY)

    feedback = (await client.get(f"/api/interactions/{given.interaction_id}", headers=admin_headers)).json()["feedback"]

    assert [(e["user_id"], e["thumbs"], e["rating"]) for e in feedback["events"]] == [
        ("ann", "up", None),
        ("bob", None, 4),
        ("ann", "down", None),
    ]
    assert [(e["user_id"], e["thumbs"], e["rating"]) for e in feedback["current"]] == [
        ("bob", None, 4),
        ("ann", "down", None),
    ]


async def test_a_later_comment_alone_replaces_the_earlier_vote_and_rating_as_current(
    answer, post_feedback, client, admin_headers
):
    # Posts are not merged: send what is meant together in one post (the widget sends its vote with the comment).
    given = await answer(user="ann")
    await post_feedback({"interaction_id": given.interaction_id, "thumbs": "down", "rating": 1}, token=given.token)
    await post_feedback({"interaction_id": given.interaction_id, "comment": "The fee is wrong"}, token=given.token)

    feedback = (await client.get(f"/api/interactions/{given.interaction_id}", headers=admin_headers)).json()["feedback"]

    [current] = feedback["current"]
    assert (current["thumbs"], current["rating"], current["comment"]) == (None, None, "The fee is wrong")
    assert current["negative"] is False


async def test_the_user_defaults_to_the_end_user_named_on_the_call(answer, post_feedback):
    given = await answer(user="customer-42")

    stored = (await post_feedback({"interaction_id": given.interaction_id, "thumbs": "up"}, token=given.token)).json()

    assert stored["user_id"] == "customer-42"


async def test_an_interaction_without_feedback_shows_empty_feedback(answer, client, gateway, admin_headers):
    given = await answer()

    record = (await client.get(f"/api/interactions/{given.interaction_id}", headers=admin_headers)).json()

    assert record["feedback"] == {"events": [], "current": []}


@pytest.fixture
def reused_upstream_ids(monkeypatch):
    """An upstream that gives every answer the same id (small counters, caches and proxies do)."""
    from gateway.demo import payloads

    monkeypatch.setattr(payloads, "new_id", lambda prefix: f"{prefix}reused")


async def test_an_app_posting_by_a_reused_upstream_id_reaches_its_own_interaction(
    answer, post_feedback, reused_upstream_ids
):
    await answer(OTHER_APP_KEY)
    own = await answer(APP_KEY)
    await answer(OTHER_APP_KEY)
    assert own.response_id == "chatcmpl-reused"

    response = await post_feedback({"interaction_id": own.response_id, "thumbs": "down"}, key=APP_KEY)

    assert response.status_code == 201
    assert response.json()["interaction_id"] == own.interaction_id


async def test_a_token_posting_by_a_reused_upstream_id_reaches_its_own_interaction(
    answer, post_feedback, reused_upstream_ids
):
    await answer(OTHER_APP_KEY)
    own = await answer(APP_KEY)

    response = await post_feedback({"interaction_id": own.response_id, "thumbs": "down"}, token=own.token)

    assert response.status_code == 201
    assert response.json()["interaction_id"] == own.interaction_id


async def test_a_feedback_token_sent_as_the_bearer_credential_is_accepted(answer, post_feedback):
    given = await answer()

    response = await post_feedback(
        {"interaction_id": given.interaction_id, "thumbs": "down"}, headers={"authorization": f"Bearer {given.token}"}
    )

    assert response.status_code == 201, response.text
    assert response.json()["submitted_via"] == "token"


async def test_a_forged_token_sent_as_the_bearer_credential_is_refused_as_a_token(answer, post_feedback):
    given = await answer()
    forged = given.token[:-4] + "AAAA"

    response = await post_feedback(
        {"interaction_id": given.interaction_id, "thumbs": "down"}, headers={"authorization": f"Bearer {forged}"}
    )

    assert response.status_code == 403
    assert error_of(response)["code"] == "invalid_feedback_token"


async def test_text_cut_inside_an_emoji_is_stored_with_a_replacement_character(answer, post_feedback):
    # What JSON.stringify("a😀".slice(0, 2)) sends: half a surrogate pair, escaped. No store keeps it.
    given = await answer()
    body = '{"interaction_id": "%s", "thumbs": "down", "comment": "fee \\ud83d\\ude00 then \\ud83d"}'

    response = await post_feedback(body % given.interaction_id, token=given.token)

    assert response.status_code == 201, response.text
    assert response.json()["comment"] == "fee 😀 then \ufffd"
