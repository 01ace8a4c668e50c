"""POST /v1/feedback refuses bad input and missing or wrong credentials with a clear message, never a 500."""

from __future__ import annotations

import json

import pytest
from feedback_helpers import APP_KEY, error_of

from gateway.feedback.token import FeedbackTokens


@pytest.fixture
async def given(answer):
    return await answer()


async def test_no_signal_is_refused(given, post_feedback):
    response = await post_feedback({"interaction_id": given.interaction_id, "user_id": "u"}, token=given.token)

    assert response.status_code == 422
    assert error_of(response)["message"] == "give at least one of 'thumbs', 'rating', 'correction' or 'comment'"


async def test_blank_text_is_no_signal_and_the_refusal_says_it_was_blank(given, post_feedback):
    response = await post_feedback({"interaction_id": given.interaction_id, "comment": "   "}, token=given.token)

    assert response.status_code == 422
    error = error_of(response)
    assert error["message"] == "give at least one of 'thumbs', 'rating', 'correction' or 'comment' ('comment' is blank)"
    assert error["param"] == "comment"


@pytest.mark.parametrize("blank", ["\u200b\u200b", "\u3000 \ufeff"])
async def test_a_correction_of_zero_width_or_ideographic_spaces_is_refused_as_blank(given, post_feedback, blank):
    # One rule of a text that says nothing (gateway.domain.blank_text): U+200B is no whitespace to str.strip.
    response = await post_feedback({"interaction_id": given.interaction_id, "correction": blank}, token=given.token)

    assert response.status_code == 422
    error = error_of(response)
    assert (
        error["message"] == "give at least one of 'thumbs', 'rating', 'correction' or 'comment' ('correction' is blank)"
    )
    assert error["param"] == "correction"


# Every kind of bad value is covered in test_feedback_submission.py; these check the HTTP answer.
@pytest.mark.parametrize("rating", [6, True, 1.5, "3"])
async def test_a_rating_must_be_a_whole_number_from_1_to_5(given, post_feedback, rating):
    response = await post_feedback({"interaction_id": given.interaction_id, "rating": rating}, token=given.token)

    assert response.status_code == 422
    assert error_of(response)["message"].startswith("'rating' must be a whole number from 1 to 5")
    assert error_of(response)["param"] == "rating"


async def test_a_rating_posted_as_a_float_with_no_fraction_is_stored_as_that_rating(given, post_feedback):
    # json.dumps(float(stars)) from a Python backend: the vote was refused as "not a whole number, not 4.0".
    body = json.dumps({"interaction_id": given.interaction_id, "rating": 4.0})

    response = await post_feedback(body, token=given.token)

    assert response.status_code == 201, response.text
    assert response.json()["rating"] == 4


@pytest.mark.parametrize("thumbs", ["sideways", 1])
async def test_thumbs_must_be_up_or_down(given, post_feedback, thumbs):
    response = await post_feedback({"interaction_id": given.interaction_id, "thumbs": thumbs}, token=given.token)

    assert response.status_code == 422
    assert error_of(response)["message"].startswith('\'thumbs\' must be "up" or "down"')


@pytest.mark.parametrize("field", ["comment", "correction"])
async def test_text_over_the_limit_is_refused(given, post_feedback, field, settings):
    limit = settings.feedback_max_text_chars
    response = await post_feedback(
        {"interaction_id": given.interaction_id, field: "x" * (limit + 2_345)}, token=given.token
    )

    assert response.status_code == 422
    error = error_of(response)
    # Its own code, and the field, its length and the limit in words: the widget tells the end user how long it may be.
    assert (error["code"], error["param"]) == ("feedback_text_too_long", field)
    assert error["message"] == f"'{field}' is {limit + 2_345:,} characters; at most {limit:,} are accepted"


async def test_metadata_over_the_limit_says_its_length_and_the_limit(given, post_feedback, settings):
    limit = settings.feedback_max_text_chars
    # Measured in characters, as the setting's name says: "é" is two bytes of UTF-8 but one character.
    metadata = {"note": "é" * (limit - 20)}
    body = {"interaction_id": given.interaction_id, "thumbs": "up", "metadata": metadata}

    taken = await post_feedback(body, token=given.token)
    refused = await post_feedback({**body, "metadata": {"note": "é" * limit}}, token=given.token)

    assert taken.status_code == 201, taken.text
    assert refused.status_code == 422
    error = error_of(refused)
    assert (error["code"], error["param"]) == ("feedback_text_too_long", "metadata")
    assert error["message"] == f"'metadata' is {limit + 11:,} characters of JSON; at most {limit:,} are accepted"


async def test_text_at_the_limit_is_accepted(given, post_feedback, settings):
    comment = "x" * settings.feedback_max_text_chars
    response = await post_feedback({"interaction_id": given.interaction_id, "comment": comment}, token=given.token)

    assert response.status_code == 201


@pytest.mark.parametrize("field", ["comment", "correction"])
async def test_text_must_be_a_string(given, post_feedback, field):
    response = await post_feedback({"interaction_id": given.interaction_id, field: 42}, token=given.token)

    assert response.status_code == 422
    assert error_of(response)["message"] == f"'{field}' must be a string, not a number (42): send it in quotes, \"42\""


async def test_nul_characters_are_refused_on_every_store(given, post_feedback):
    response = await post_feedback({"interaction_id": given.interaction_id, "comment": "a\u0000b"}, token=given.token)

    assert response.status_code == 422
    assert error_of(response)["message"] == "'comment' must not contain NUL characters"


async def test_metadata_must_be_an_object(given, post_feedback):
    response = await post_feedback(
        {"interaction_id": given.interaction_id, "thumbs": "up", "metadata": [1]}, token=given.token
    )

    assert response.status_code == 422
    assert error_of(response)["message"] == "'metadata' must be a JSON object"


@pytest.mark.parametrize("depth", [300, 600, 1000])
async def test_metadata_nested_deeper_than_can_be_stored_is_refused_saying_so(given, post_feedback, depth):
    # orjson reads 1,024 levels but writes 254: past 500 or so the check itself recursed out (a 500), and
    # below that the refusal said "must hold JSON values only" of a plain JSON body.
    nested = "[" * depth + "]" * depth
    body = f'{{"interaction_id": "{given.interaction_id}", "thumbs": "up", "metadata": {{"a": {nested}}}}}'

    response = await post_feedback(body, token=given.token)

    assert response.status_code == 422
    error = error_of(response)
    assert error["message"] == "'metadata' is nested too deeply: at most 254 levels of objects and arrays"
    assert error["param"] == "metadata"


async def test_unknown_fields_are_refused_by_name(given, post_feedback):
    response = await post_feedback({"interaction_id": given.interaction_id, "stars": 5}, token=given.token)

    assert response.status_code == 422
    assert error_of(response)["message"].startswith("unknown field 'stars'")


@pytest.mark.parametrize("named", [{}, {"interaction_id": None}, {"interaction_id": ""}, {"interaction_id": " "}])
async def test_a_token_post_may_leave_the_interaction_id_to_the_token(given, post_feedback, named):
    # The token names its one interaction: a curl whose $ID was empty got a 422 though nothing was unknown.
    response = await post_feedback({**named, "thumbs": "down"}, token=given.token)

    assert response.status_code == 201, response.text
    assert response.json()["interaction_id"] == given.interaction_id


async def test_the_apps_own_key_still_needs_the_interaction_id(given, post_feedback):
    response = await post_feedback({"thumbs": "up"}, key=APP_KEY)

    assert response.status_code == 422
    assert error_of(response)["message"] == (
        "'interaction_id' is required with the app's API key (a feedback token names its own interaction)"
    )
    assert error_of(response)["param"] == "interaction_id"


@pytest.mark.parametrize("body", [b"{not json", b"", b"\xff\xfe"])
async def test_malformed_json_is_a_400(given, post_feedback, body):
    response = await post_feedback(body, token=given.token)

    assert response.status_code == 400
    assert error_of(response)["message"].startswith("the request body is not valid JSON")


async def test_a_body_not_in_utf8_is_told_to_send_utf8_naming_the_byte(given, post_feedback):
    # Latin-1 text, as Python's http.client encodes a str body (and older PHP or Windows-1252 stacks send it).
    body = json.dumps({"interaction_id": given.interaction_id, "comment": "café"}, ensure_ascii=False).encode("latin-1")

    response = await post_feedback(body, token=given.token)

    # orjson's own words blamed surrogates: "str is not valid UTF-8: surrogates not allowed".
    assert response.status_code == 400
    at = body.index(b"\xe9")
    assert error_of(response)["message"] == (
        f"the request body is not valid JSON: it is not UTF-8 text (byte 0xe9 at position {at}); "
        "send the JSON encoded as UTF-8"
    )


@pytest.mark.parametrize("body", [b"[]", b"null"])
async def test_a_body_that_is_not_an_object_is_refused(given, post_feedback, body):
    response = await post_feedback(body, token=given.token)

    assert response.status_code == 422
    assert error_of(response)["message"] == "the request body must be a JSON object"


async def test_an_unknown_interaction_is_a_404(post_feedback):
    response = await post_feedback({"interaction_id": "chatcmpl-nope", "thumbs": "up"}, key=APP_KEY)

    assert response.status_code == 404
    assert error_of(response)["message"] == "no interaction with id 'chatcmpl-nope'"


@pytest.mark.parametrize("headers", [{}, {"authorization": "Basic abc"}, {"authorization": "Bearer "}])
async def test_no_credential_is_a_401(given, post_feedback, headers):
    response = await post_feedback({"interaction_id": given.interaction_id, "thumbs": "up"}, headers=headers)

    assert response.status_code == 401
    assert "x-feedgate-feedback-token" in error_of(response)["message"]


async def test_a_token_for_another_interaction_is_a_403(answer, post_feedback):
    one, two = await answer(), await answer()

    response = await post_feedback({"interaction_id": two.interaction_id, "thumbs": "up"}, token=one.token)

    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "invalid_feedback_token"
    assert error["message"] == (
        f"the feedback token is for interaction {one.interaction_id!r}, not {two.interaction_id!r}: "
        "send the id the answer's x-feedgate-interaction-id header gave with that token"
    )
    assert error["param"] == "interaction_id"


async def test_a_forged_token_is_a_403(given, post_feedback):
    forged = given.token[:-4] + ("AAAA" if not given.token.endswith("AAAA") else "BBBB")

    response = await post_feedback({"interaction_id": given.interaction_id, "thumbs": "up"}, token=forged)

    assert response.status_code == 403
    assert error_of(response)["code"] == "invalid_feedback_token"
    # The usual cause is no forgery but a gateway whose secret differs: the message names both remedies.
    assert error_of(response)["message"] == (
        "the feedback token's signature is not valid: send it exactly as the answer's x-feedgate-feedback-token "
        "header gave it; a token signed by a gateway with another FEEDGATE_FEEDBACK_SECRET is refused too"
    )


async def test_an_expired_token_is_a_403(gateway_with, settings):
    async with gateway_with(feedback_secret="s3cret") as (_, http):
        chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
        answered = await http.post("/v1/chat/completions", json=chat, headers={"authorization": f"Bearer {APP_KEY}"})
        interaction_id = answered.headers["x-feedgate-interaction-id"]
        # Signed with the gateway's secret eight days ago: a week's validity is over.
        stale = FeedbackTokens("s3cret", settings.feedback_token_ttl, clock=lambda: 1_000_000.0).sign(interaction_id)
        response = await http.post(
            "/v1/feedback",
            json={"interaction_id": interaction_id, "thumbs": "up"},
            headers={"x-feedgate-feedback-token": stale},
        )

    assert response.status_code == 403
    # Its own code: an app tells "ask for a fresh answer" from a bug in its front end by it alone.
    assert response.json()["error"]["code"] == "feedback_token_expired"
    assert response.json()["error"]["message"] == (
        "the feedback token has expired: tokens are valid for 7 days after their answer "
        "(FEEDGATE_FEEDBACK_TOKEN_TTL); a fresh answer comes with a fresh token, "
        "and the app can still post this feedback with its own API key"
    )


async def test_a_malformed_token_is_a_403(given, post_feedback):
    response = await post_feedback({"interaction_id": given.interaction_id, "thumbs": "up"}, token="garbage")

    assert response.status_code == 403
    assert error_of(response)["code"] == "invalid_feedback_token"
    assert error_of(response)["message"] == (
        "the feedback token is malformed: it does not start with v1. or v2.; send the value of the answer's "
        "x-feedgate-feedback-token header as it came"
    )


async def test_feedback_posted_with_a_trailing_slash_is_taken_not_sent_upstream(given, client, fake_upstream):
    fake_upstream.app.reset()
    body = {"interaction_id": given.interaction_id, "thumbs": "down", "comment": "my card number is wrong"}

    response = await client.post("/v1/feedback/", json=body, headers={"x-feedgate-feedback-token": given.token})

    # Forwarded, it went to the LLM provider with the app's credentials and the user's words.
    assert response.status_code == 201, response.text
    assert fake_upstream.app.requests == []


async def test_a_method_the_feedback_endpoint_does_not_take_is_told_in_openais_shape(client):
    response = await client.get("/v1/feedback")

    assert response.status_code == 405
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("invalid_request_error", "method_not_allowed")
    assert "GET is not a method /v1/feedback takes; it takes" in error["message"] and "POST" in error["message"]
    assert "POST" in response.headers["allow"]


@pytest.mark.parametrize("path", ["/v1/reviews/", "/v1/reviews/a/b"])
async def test_a_malformed_held_answer_url_is_a_404_in_openais_shape_naming_the_url_to_poll(client, path):
    response = await client.get(path, headers={"authorization": "Bearer sk-app-key"})

    assert response.status_code == 404
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("not_found_error", "not_found")
    assert f"{path} is not a URL this gateway serves" in error["message"]
    assert "GET /v1/reviews/{task_id}" in error["message"]


async def test_a_nul_in_a_feedback_url_is_a_400_in_openais_shape(client):
    response = await client.post("/v1/feedback?x=%00", json={})

    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("invalid_request_error", "invalid_url")
    assert "NUL" in error["message"]


async def test_the_admin_api_keeps_its_own_404_shape(client, admin_headers):
    response = await client.get("/api/issues/no-such-issue", headers=admin_headers)

    assert response.status_code == 404
    assert "detail" in response.json() and "error" not in response.json()
