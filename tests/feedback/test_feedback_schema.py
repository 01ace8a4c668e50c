"""The OpenAPI schema of POST /v1/feedback says what the endpoint takes and answers, as the endpoint does it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from feedback_helpers import error_of

from gateway.api.feedback import TOKEN_HEADER
from gateway.domain.answer_choices import MAX_CHOICE_INDEX
from gateway.feedback.submission import FIELDS, MAX_IDENTIFIER_CHARS, THUMBS

# The schema does not depend on the store: one is enough for what reads only the schema.
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def openapi(client: httpx.AsyncClient) -> dict[str, Any]:
    """The schema the gateway serves."""
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    schema: dict[str, Any] = response.json()
    return schema


def operation(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema's POST /v1/feedback."""
    found: dict[str, Any] = schema["paths"]["/v1/feedback"]["post"]
    return found


def component(schema: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    """The component a {"$ref": ...} (or an allOf of one) names."""
    if "allOf" in reference:
        [reference] = reference["allOf"]
    name = reference["$ref"].removeprefix("#/components/schemas/")
    found: dict[str, Any] = schema["components"]["schemas"][name]
    return found


def request_body(schema: dict[str, Any]) -> dict[str, Any]:
    """The documented body's schema."""
    return operation(schema)["requestBody"]["content"]["application/json"]["schema"]


def response_schema(schema: dict[str, Any], status: int) -> dict[str, Any]:
    """The component documented for one status."""
    return component(schema, operation(schema)["responses"][str(status)]["content"]["application/json"]["schema"])


@sqlite_only
async def test_the_body_documents_exactly_the_fields_the_endpoint_accepts(client):
    schema = await openapi(client)

    body = component(schema, request_body(schema))

    assert set(body["properties"]) == FIELDS
    # A token post may leave interaction_id out (the token names its interaction); an app's needs it (a 422).
    assert body.get("required", []) == []
    assert "Required with the app's API key" in body["properties"]["interaction_id"]["description"]


@sqlite_only
@pytest.mark.parametrize(
    ("field", "keyword", "value"),
    [
        ("thumbs", "enum", [*THUMBS, None]),
        ("rating", "minimum", 1),
        ("rating", "maximum", 5),
        ("interaction_id", "maxLength", MAX_IDENTIFIER_CHARS),
        ("idempotency_key", "maxLength", MAX_IDENTIFIER_CHARS),
        ("choice", "exclusiveMinimum", -1),
        ("choice", "maximum", MAX_CHOICE_INDEX),
    ],
)
async def test_the_body_documents_the_limits_the_endpoint_enforces(client, field, keyword, value):
    schema = await openapi(client)

    documented = component(schema, request_body(schema))["properties"][field]

    assert documented[keyword] == value


@sqlite_only
async def test_the_body_documents_no_length_bound_on_the_user_id(client):
    # The endpoint takes a user_id of any length, as the proxy takes x-feedgate-user: the schema said at most 8192.
    schema = await openapi(client)

    documented = component(schema, request_body(schema))["properties"]["user_id"]

    assert "maxLength" not in documented


@sqlite_only
async def test_the_body_says_the_text_limit_is_a_setting(client):
    schema = await openapi(client)

    documented = component(schema, request_body(schema))["properties"]

    assert "FEEDGATE_FEEDBACK_MAX_TEXT_CHARS" in documented["comment"]["description"]
    assert "FEEDGATE_FEEDBACK_MAX_TEXT_CHARS" in documented["correction"]["description"]


@sqlite_only
async def test_every_status_the_endpoint_answers_is_documented(client):
    schema = await openapi(client)

    statuses = set(operation(schema)["responses"])

    assert statuses == {"200", "201", "400", "401", "403", "404", "409", "410", "413", "415", "422", "429", "503"}


@sqlite_only
@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 410, 413, 415, 422, 429, 503])
async def test_every_error_is_documented_in_openais_shape(client, status):
    schema = await openapi(client)

    error = component(schema, response_schema(schema, status)["properties"]["error"])

    assert set(error["properties"]) == {"message", "type", "param", "code"}


@sqlite_only
async def test_the_credentials_are_documented_as_a_token_header_or_a_bearer_key(client):
    schema = await openapi(client)

    schemes = schema["components"]["securitySchemes"]
    requirements = operation(schema)["security"]

    assert [set(requirement) for requirement in requirements] == [{"feedbackToken"}, {"appKey"}]
    token = schemes["feedbackToken"]
    assert (token["type"], token["in"], token["name"]) == ("apiKey", "header", TOKEN_HEADER)
    assert (schemes["appKey"]["type"], schemes["appKey"]["scheme"]) == ("http", "bearer")


async def test_a_stored_event_has_the_fields_the_201_documents(client, answer, post_feedback):
    schema = await openapi(client)
    given = await answer()

    response = await post_feedback({"interaction_id": given.interaction_id, "thumbs": "up"}, token=given.token)

    assert response.status_code == 201
    assert set(response.json()) == set(response_schema(schema, 201)["properties"])


async def test_the_documented_example_post_is_stored(client, answer, post_feedback):
    schema = await openapi(client)
    [example] = request_body(schema)["examples"]
    given = await answer()

    response = await post_feedback({**example, "interaction_id": given.interaction_id}, token=given.token)

    assert response.status_code == 201
    assert response.json()["negative"] is True


async def test_a_refusal_has_the_fields_the_documented_error_has(client, answer, post_feedback):
    schema = await openapi(client)
    given = await answer()

    response = await post_feedback({"interaction_id": given.interaction_id, "rating": 6}, token=given.token)

    assert response.status_code == 422
    documented = component(schema, response_schema(schema, 422)["properties"]["error"])
    assert set(error_of(response)) == set(documented["properties"])


async def test_the_documented_model_does_not_parse_the_body_the_endpoint_does(client, answer, post_feedback):
    # The model refuses unknown fields too; had the framework parsed with it, this would be its 400.
    given = await answer()

    response = await post_feedback({"interaction_id": given.interaction_id, "vote": "up"}, token=given.token)

    assert response.status_code == 422
    assert error_of(response)["message"].startswith("unknown field 'vote'; allowed: ")


@sqlite_only
@pytest.mark.parametrize(
    ("status", "code"),
    [
        (403, "feedback_token_expired"),
        (403, "invalid_feedback_token"),
        (409, "end_user_erased"),
        (410, "interaction_erased"),
        (415, "unsupported_media_type"),
        (422, "feedback_text_too_long"),
    ],
)
async def test_each_refusal_code_is_documented_under_its_status(client, status, code):
    schema = await openapi(client)

    assert f"{code}:" in operation(schema)["responses"][str(status)]["description"]
