"""Feedback integrity: a token speaks for one voter, stores a bounded number of submissions, and posts are rate-limited."""

from __future__ import annotations

import asyncio
import base64
import hmac
import time
from typing import Any

import httpx
from feedback_helpers import APP_KEY, error_of

# Limits off, so one test looks at one rule at a time.
NO_RATE_LIMITS: dict[str, Any] = {
    "feedback_token_posts_per_minute": 0,
    "feedback_address_posts_per_minute": 0,
    "feedback_app_posts_per_minute": 0,
}
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


async def ask(
    http: httpx.AsyncClient, *, user: str | None = None, body: dict[str, Any] | None = None
) -> tuple[str, str]:
    """One answer through the gateway: its interaction id and feedback token."""
    headers = {"authorization": f"Bearer {APP_KEY}"}
    if user is not None:
        headers["x-feedgate-user"] = user
    answered = await http.post("/v1/chat/completions", json=body or CHAT, headers=headers)
    assert answered.status_code == 200, answered.text
    return answered.headers["x-feedgate-interaction-id"], answered.headers["x-feedgate-feedback-token"]


async def give(http: httpx.AsyncClient, token: str, body: dict[str, Any]) -> httpx.Response:
    return await http.post("/v1/feedback", json=body, headers={"x-feedgate-feedback-token": token})


async def current_feedback(http: httpx.AsyncClient, admin_headers: dict[str, str], interaction_id: str) -> dict:
    response = await http.get(f"/api/interactions/{interaction_id}", headers=admin_headers)
    return response.json()["feedback"]


# -- who a token speaks for ---------------------------------------------------------------------


async def test_a_token_stores_the_end_user_named_on_the_call(answer, post_feedback):
    given = await answer(user="customer-42")

    response = await post_feedback({"interaction_id": given.interaction_id, "thumbs": "up"}, token=given.token)

    assert response.json()["user_id"] == "customer-42"


async def test_a_token_accepts_its_own_user_named_again(answer, post_feedback):
    given = await answer(user="customer-42")

    response = await post_feedback(
        {"interaction_id": given.interaction_id, "thumbs": "up", "user_id": "customer-42"}, token=given.token
    )

    assert response.status_code == 201


async def test_a_token_cannot_claim_another_user(answer, post_feedback, client, admin_headers):
    given = await answer(user="customer-42")

    response = await post_feedback(
        {"interaction_id": given.interaction_id, "thumbs": "down", "user_id": "someone-else"}, token=given.token
    )

    assert response.status_code == 403
    assert (error_of(response)["code"], error_of(response)["param"]) == ("feedback_user_mismatch", "user_id")
    assert (await current_feedback(client, admin_headers, given.interaction_id))["events"] == []


async def test_a_token_binds_the_end_user_the_request_body_names(client, post_feedback):
    # The proxy does not read the body on the hot path; the recorded interaction's end user binds instead.
    interaction_id, token = await ask(client, body={**CHAT, "user": "body-user"})

    refused = await post_feedback({"interaction_id": interaction_id, "thumbs": "up", "user_id": "other"}, token=token)
    stored = await post_feedback({"interaction_id": interaction_id, "thumbs": "up"}, token=token)

    assert refused.status_code == 403
    assert stored.json()["user_id"] == "body-user"


async def test_without_a_named_user_a_tokens_claims_are_kept_but_count_as_one_voter(
    answer, post_feedback, client, admin_headers
):
    given = await answer()
    for user, thumbs in (("ann", "up"), ("bob", "up"), ("cy", "down")):
        response = await post_feedback(
            {"interaction_id": given.interaction_id, "thumbs": thumbs, "user_id": user}, token=given.token
        )
        assert response.status_code == 201

    feedback = await current_feedback(client, admin_headers, given.interaction_id)

    assert [event["user_id"] for event in feedback["events"]] == ["ann", "bob", "cy"]
    assert [(event["user_id"], event["thumbs"]) for event in feedback["current"]] == [("cy", "down")]
    assert feedback["current"][0]["voter"].startswith("token:")


async def test_an_app_key_still_names_any_of_its_users(answer, post_feedback, client, admin_headers):
    given = await answer(user="customer-42")
    for user in ("ann", "bob"):
        await post_feedback({"interaction_id": given.interaction_id, "thumbs": "up", "user_id": user}, key=APP_KEY)

    feedback = await current_feedback(client, admin_headers, given.interaction_id)

    assert sorted(event["user_id"] for event in feedback["current"]) == ["ann", "bob"]


async def test_a_token_minted_before_user_binding_binds_the_recorded_end_user(gateway_with):
    async with gateway_with(feedback_secret="s3cret") as (_, http):
        interaction_id, _ = await ask(http, user="customer-42")
        # The v1 format every token had before binding, for an answer whose call named a user.
        payload = f"v1.{interaction_id}.{int(time.time()) + 3600}"
        signature = base64.urlsafe_b64encode(hmac.digest(b"s3cret", payload.encode(), "sha256")).rstrip(b"=").decode()
        old = f"{payload}.{signature}"

        refused = await give(http, old, {"interaction_id": interaction_id, "thumbs": "up", "user_id": "other"})
        stored = await give(http, old, {"interaction_id": interaction_id, "thumbs": "up"})

    assert refused.status_code == 403
    assert (stored.status_code, stored.json()["user_id"]) == (201, "customer-42")


# -- the bound on submissions per token ---------------------------------------------------------


async def test_a_token_stores_at_most_its_bound_and_the_latest_stays_current(gateway_with, admin_headers):
    async with gateway_with(feedback_token_max_submissions=3, **NO_RATE_LIMITS) as (_, http):
        interaction_id, token = await ask(http)
        answers = [await give(http, token, {"interaction_id": interaction_id, "rating": n}) for n in (1, 2, 3, 4)]
        feedback = await current_feedback(http, admin_headers, interaction_id)

    assert [response.status_code for response in answers] == [201, 201, 201, 429]
    assert [event["rating"] for event in feedback["events"]] == [1, 2, 3]
    assert [event["rating"] for event in feedback["current"]] == [3]


async def test_an_exhausted_token_is_told_so_with_no_retry_after(gateway_with):
    async with gateway_with(feedback_token_max_submissions=1, **NO_RATE_LIMITS) as (_, http):
        interaction_id, token = await ask(http)
        await give(http, token, {"interaction_id": interaction_id, "thumbs": "up"})
        refused = await give(http, token, {"interaction_id": interaction_id, "thumbs": "down"})

    assert refused.status_code == 429
    assert "retry-after" not in refused.headers
    assert refused.headers["x-should-retry"] == "false"
    error = error_of(refused)
    assert (error["type"], error["code"]) == ("insufficient_quota", "feedback_token_exhausted")
    assert "1 submissions" in error["message"]


async def test_a_token_past_its_bound_and_its_rate_is_told_it_is_spent_not_to_retry(gateway_with):
    # The defaults' shape: the rate allows about as many posts a minute as the bound allows in all.
    settings = {**NO_RATE_LIMITS, "feedback_token_posts_per_minute": 2, "feedback_token_max_submissions": 2}
    async with gateway_with(**settings) as (_, http):
        interaction_id, token = await ask(http)
        answers = [await give(http, token, {"interaction_id": interaction_id, "rating": 1 + n}) for n in range(3)]

    assert [response.status_code for response in answers] == [201, 201, 429]
    assert "retry-after" not in answers[-1].headers
    assert error_of(answers[-1])["code"] == "feedback_token_exhausted"


async def test_an_idempotent_replay_does_not_count_against_the_bound(gateway_with):
    async with gateway_with(feedback_token_max_submissions=2, **NO_RATE_LIMITS) as (_, http):
        interaction_id, token = await ask(http)
        replays = [
            await give(http, token, {"interaction_id": interaction_id, "thumbs": "up", "idempotency_key": "click"})
            for _ in range(3)
        ]
        second = await give(http, token, {"interaction_id": interaction_id, "thumbs": "down"})

    assert [response.status_code for response in replays] == [201, 200, 200]
    assert second.status_code == 201


async def test_a_retry_of_a_stored_post_gets_its_event_when_its_token_is_spent_and_over_its_rate(gateway_with):
    # The defaults' shape: the token's last post was stored, its answer lost, and the retry comes at once.
    # It was told the token is spent and not to retry (429, x-should-retry: false), as if the vote were lost.
    settings = {**NO_RATE_LIMITS, "feedback_token_posts_per_minute": 2, "feedback_token_max_submissions": 2}
    async with gateway_with(**settings) as (_, http):
        interaction_id, token = await ask(http)
        first = await give(http, token, {"interaction_id": interaction_id, "thumbs": "up", "idempotency_key": "a"})
        last = {"interaction_id": interaction_id, "thumbs": "down", "idempotency_key": "b"}
        stored = await give(http, token, last)
        retried = await give(http, token, last)

    assert (first.status_code, stored.status_code) == (201, 201)
    assert retried.status_code == 200, retried.text
    assert retried.json()["id"] == stored.json()["id"]


async def test_the_bound_holds_for_concurrent_posts(gateway_with, admin_headers):
    async with gateway_with(feedback_token_max_submissions=5, **NO_RATE_LIMITS) as (_, http):
        interaction_id, token = await ask(http)
        answers = await asyncio.gather(
            *(give(http, token, {"interaction_id": interaction_id, "rating": 1 + n % 5}) for n in range(40))
        )
        feedback = await current_feedback(http, admin_headers, interaction_id)

    statuses = sorted(response.status_code for response in answers)
    assert statuses == [201] * 5 + [429] * 35
    assert len(feedback["events"]) == 5


async def test_app_key_posts_have_no_bound(gateway_with):
    async with gateway_with(feedback_token_max_submissions=1, **NO_RATE_LIMITS) as (_, http):
        interaction_id, _ = await ask(http)
        answers = [
            await http.post(
                "/v1/feedback",
                json={"interaction_id": interaction_id, "thumbs": "up", "user_id": f"u{n}"},
                headers={"authorization": f"Bearer {APP_KEY}"},
            )
            for n in range(3)
        ]

    assert [response.status_code for response in answers] == [201, 201, 201]


# -- rate limits --------------------------------------------------------------------------------


async def test_posts_over_a_tokens_rate_get_429_with_retry_after(gateway_with):
    settings = {**NO_RATE_LIMITS, "feedback_token_posts_per_minute": 2, "feedback_token_max_submissions": 100}
    async with gateway_with(**settings) as (_, http):
        interaction_id, token = await ask(http)
        answers = [await give(http, token, {"interaction_id": interaction_id, "thumbs": "up"}) for _ in range(3)]

    assert [response.status_code for response in answers] == [201, 201, 429]
    refused = answers[-1]
    # Whole seconds until the next post is allowed: at most one interval (60 s / 2 posts).
    assert 1 <= int(refused.headers["retry-after"]) <= 30
    error = error_of(refused)
    assert (error["type"], error["code"], error["param"]) == ("requests", "rate_limit_exceeded", None)
    assert "this feedback token" in error["message"]


async def test_refused_posts_do_not_spend_a_tokens_rate_so_the_reason_stays_in_view(gateway_with):
    settings = {**NO_RATE_LIMITS, "feedback_token_posts_per_minute": 2, "feedback_token_max_submissions": 100}
    async with gateway_with(**settings) as (_, http):
        interaction_id, token = await ask(http)
        misspelt = [await give(http, token, {"interaction_id": interaction_id, "thumb": "up"}) for _ in range(3)]
        fixed = await give(http, token, {"interaction_id": interaction_id, "thumbs": "up"})

    assert [response.status_code for response in misspelt] == [422, 422, 422]
    assert fixed.status_code == 201


async def test_posts_refused_for_the_user_they_name_do_not_spend_a_tokens_rate(gateway_with):
    settings = {**NO_RATE_LIMITS, "feedback_token_posts_per_minute": 2, "feedback_token_max_submissions": 100}
    async with gateway_with(**settings) as (_, http):
        interaction_id, token = await ask(http, user="customer-42")
        wrong = [
            await give(http, token, {"interaction_id": interaction_id, "thumbs": "up", "user_id": "someone-else"})
            for _ in range(3)
        ]
        fixed = await give(http, token, {"interaction_id": interaction_id, "thumbs": "up"})

    assert [response.status_code for response in wrong] == [403, 403, 403]
    assert fixed.status_code == 201


async def test_refused_posts_still_spend_the_addresss_rate(gateway_with):
    settings = {**NO_RATE_LIMITS, "feedback_address_posts_per_minute": 2}
    async with gateway_with(**settings) as (_, http):
        interaction_id, token = await ask(http)
        answers = [await give(http, token, {"interaction_id": interaction_id, "thumb": "up"}) for _ in range(3)]

    assert [response.status_code for response in answers] == [422, 422, 429]


async def test_posts_over_an_address_limit_get_429_whatever_the_token(gateway_with):
    settings = {**NO_RATE_LIMITS, "feedback_address_posts_per_minute": 2}
    async with gateway_with(**settings) as (_, http):
        tokens = [await ask(http) for _ in range(3)]
        answers = [
            await give(http, token, {"interaction_id": interaction_id, "thumbs": "up"})
            for interaction_id, token in tokens
        ]

    assert [response.status_code for response in answers] == [201, 201, 429]
    assert "this client address" in error_of(answers[-1])["message"]


async def test_another_address_has_its_own_allowance(gateway_with):
    settings = {**NO_RATE_LIMITS, "feedback_address_posts_per_minute": 1}
    async with gateway_with(**settings) as (app, http):
        (first_id, first_token), (second_id, second_token) = await ask(http), await ask(http)
        await give(http, first_token, {"interaction_id": first_id, "thumbs": "up"})
        transport = httpx.ASGITransport(app=app, client=("127.0.0.2", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as elsewhere:
            response = await give(elsewhere, second_token, {"interaction_id": second_id, "thumbs": "up"})

    assert response.status_code == 201


async def test_behind_a_proxy_the_configured_header_names_the_address(gateway_with):
    settings = {
        **NO_RATE_LIMITS,
        "feedback_address_posts_per_minute": 1,
        "feedback_client_address_header": "x-forwarded-for",
        "trusted_proxies": ["127.0.0.1"],
    }
    async with gateway_with(**settings) as (_, http):
        (first_id, first_token), (second_id, second_token) = await ask(http), await ask(http)
        answers = []
        for interaction_id, token, forwarded in (
            (first_id, first_token, "203.0.113.9, 127.0.0.5"),
            (second_id, second_token, "127.0.0.6"),
        ):
            answers.append(
                await http.post(
                    "/v1/feedback",
                    json={"interaction_id": interaction_id, "thumbs": "up"},
                    headers={"x-feedgate-feedback-token": token, "x-forwarded-for": forwarded},
                )
            )

    assert [response.status_code for response in answers] == [201, 201]


async def test_a_forwarded_for_from_a_sender_no_proxy_list_names_is_not_believed(gateway_with):
    # The test client (127.0.0.1) is not among the trusted proxies: its X-Forwarded-For names nobody.
    settings = {
        **NO_RATE_LIMITS,
        "feedback_address_posts_per_minute": 1,
        "feedback_client_address_header": "x-forwarded-for",
        "trusted_proxies": ["10.0.0.0/8"],
    }
    async with gateway_with(**settings) as (_, http):
        answers = []
        for forwarded in ("127.0.0.5", "127.0.0.6"):
            interaction_id, token = await ask(http)
            answers.append(
                await http.post(
                    "/v1/feedback",
                    json={"interaction_id": interaction_id, "thumbs": "up"},
                    headers={"x-feedgate-feedback-token": token, "x-forwarded-for": forwarded},
                )
            )

    assert [response.status_code for response in answers] == [201, 429]


async def test_app_key_posts_have_their_own_rate(gateway_with):
    settings = {**NO_RATE_LIMITS, "feedback_app_posts_per_minute": 2, "feedback_address_posts_per_minute": 1}
    async with gateway_with(**settings) as (_, http):
        interaction_id, token = await ask(http)
        by_key = [
            await http.post(
                "/v1/feedback",
                json={"interaction_id": interaction_id, "thumbs": "up"},
                headers={"authorization": f"Bearer {APP_KEY}"},
            )
            for _ in range(3)
        ]
        by_token = await give(http, token, {"interaction_id": interaction_id, "thumbs": "up"})

    assert [response.status_code for response in by_key] == [201, 201, 429]
    assert "this app's key" in error_of(by_key[-1])["message"]
    assert by_token.status_code == 201


async def test_a_cross_origin_browser_can_read_retry_after(gateway_with):
    settings = {**NO_RATE_LIMITS, "feedback_token_posts_per_minute": 1, "cors_origins": ["https://shop.example"]}
    async with gateway_with(**settings) as (_, http):
        interaction_id, token = await ask(http)
        headers = {"x-feedgate-feedback-token": token, "origin": "https://shop.example"}
        for _ in range(2):
            response = await http.post(
                "/v1/feedback", json={"interaction_id": interaction_id, "thumbs": "up"}, headers=headers
            )

    assert response.status_code == 429
    exposed = {name.strip() for name in response.headers["access-control-expose-headers"].split(",")}
    assert {"retry-after", "x-request-id"} <= exposed
