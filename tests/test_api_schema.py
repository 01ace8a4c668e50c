"""The OpenAPI schema: served as JSON and YAML, with no page that runs another origin's scripts."""

from __future__ import annotations

import pytest


async def test_the_schema_root_answers_the_openapi_document_as_json(client):
    response = await client.get("/schema")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    assert "/api/interactions" in response.json()["paths"]


async def test_the_schema_is_also_served_as_yaml(client):
    response = await client.get("/schema/openapi.yaml")

    assert response.status_code == 200
    assert "/api/interactions:" in response.text


@pytest.mark.parametrize("viewer", ["redoc", "swagger", "elements", "rapidoc", "scalar"])
async def test_no_documentation_page_loads_scripts_from_a_cdn_on_the_gateways_origin(client, viewer):
    # Such a script runs with the admin pages' origin: it could read their pages and forms.
    response = await client.get(f"/schema/{viewer}")

    assert response.status_code == 404
    assert "<script" not in response.text


# -- the answers each admin operation documents are those it gives ---------------------

MISSING = "00000000-0000-0000-0000-000000000000"
# Operations that answer 409 when the record's state forbids the change, or it changed since it was read.
CONFLICTS = {
    "POST /api/prompts",
    "POST /api/prompts/{version_id}/activate",
    "POST /api/prompts/{version_id}/canary",
    "POST /api/prompts/{version_id}/promote",
    "POST /api/prompts/{version_id}/rollback",
    "PATCH /api/kb/{entry_id}",
    "POST /api/kb/{entry_id}/restore",
    "PATCH /api/issues/{issue_id}",
    "POST /api/issues/{issue_id}/fixes",
    "POST /api/reviews",
    "PATCH /api/reviews/{task_id}",
    "POST /api/reviews/{task_id}/decision",
    "POST /api/reviews/{task_id}/fix",
    "POST /api/issues/{issue_id}/previews",
    "POST /api/previews/{preview_id}/live",
}


async def admin_operations(client) -> dict[str, dict]:
    """Every /api/ operation of the served schema by "METHOD /path"."""
    schema = (await client.get("/schema/openapi.json")).json()
    return {
        f"{method.upper()} {path}": operation
        for path, item in schema["paths"].items()
        if path.startswith("/api/")
        for method, operation in item.items()
        if method in ("get", "post", "patch", "put", "delete")
    }


async def test_every_admin_operation_documents_the_answers_every_one_can_give(client):
    # They listed 200 and 400 alone: no 401 for a missing token, no 503 for a database away.
    operations = await admin_operations(client)

    for label, operation in operations.items():
        assert {"400", "401", "429", "503"} <= set(operation["responses"]), label
    assert len(operations) >= 40


async def test_every_operation_on_a_record_by_id_documents_its_404_and_gives_it(client, admin_headers):
    operations = await admin_operations(client)

    by_id = [label for label in operations if "{" in label]
    for label in [*by_id, "GET /api/prompts/diff"]:
        assert "404" in operations[label]["responses"], label
    for label in by_id:
        method, path = label.split(" ")
        url = "/".join(MISSING if part.startswith("{") else part for part in path.split("/"))
        body = {"POST": {}, "PATCH": {}}.get(method)
        response = await client.request(method, url, json=body, headers=admin_headers)
        # An empty body may be refused first (400); a record that is not there is never a 200.
        assert response.status_code in (400, 404), f"{label}: {response.status_code}"
    assert len(by_id) >= 20


async def test_operations_taking_an_idempotency_key_document_the_repeat_and_the_reused_key(client):
    operations = await admin_operations(client)

    keyed = [
        label
        for label, operation in operations.items()
        if any(parameter["name"] == "Idempotency-Key" for parameter in operation.get("parameters", []))
    ]
    # A decision answers 200 whether first or repeated; every other keyed operation creates (201).
    deciding = {"POST /api/reviews/{task_id}/decision"}
    for label in keyed:
        assert {"200", "422"} <= set(operations[label]["responses"]), label
        assert label in deciding or "201" in operations[label]["responses"], label
    assert {"POST /api/kb", "POST /api/prompts", *deciding} <= set(keyed)


async def test_operations_that_answer_409_document_it(client):
    operations = await admin_operations(client)

    for label in CONFLICTS:
        assert "409" in operations[label]["responses"], label


async def test_operations_taking_a_json_body_document_the_415(client):
    operations = await admin_operations(client)

    with_body = [label for label, operation in operations.items() if "requestBody" in operation]
    for label in with_body:
        assert "415" in operations[label]["responses"], label
    assert {"POST /api/kb", "PATCH /api/issues/{issue_id}"} <= set(with_body)


# Each error status of the admin API (the 400 too), the one component every operation's answer of that status refers to.
SHARED_ERRORS = {
    "400": "BadRequest",
    "401": "NoAdminToken",
    "404": "NoSuchRecord",
    "409": "Conflict",
    "415": "UnsupportedMediaType",
    "422": "KeyReusedWithAnotherBody",
    "429": "TooManyWrongTokens",
    "503": "DatabaseAway",
}


async def test_each_error_status_is_one_shared_component_every_operation_refers_to(client):
    # Each operation carried its own inline copy of the same 401, 404, 409, 422, 429 and 503: a generated
    # client got a class per operation and status, and the copies could drift apart.
    operations = await admin_operations(client)

    referred = {
        (status, answer.get("$ref"))
        for operation in operations.values()
        for status, answer in operation["responses"].items()
        if status in SHARED_ERRORS
    }

    assert referred == {(status, f"#/components/responses/{name}") for status, name in SHARED_ERRORS.items()}


async def test_each_shared_error_component_is_an_error_json_saying_when_it_comes(client):
    schema = (await client.get("/schema/openapi.json")).json()

    components = schema["components"]["responses"]

    for name in SHARED_ERRORS.values():
        answer = components[name]
        assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorJSON"}, name
        assert answer["description"], name


async def test_a_whole_number_the_domain_checks_is_still_an_integer_in_the_schema(client):
    # fix_version is read as any JSON number so 1.5 gets the product's wording; a client should still send an integer.
    schema = (await client.get("/schema/openapi.json")).json()
    bodies = [body for body in schema["components"]["schemas"].values() if "arm" in body.get("properties", {})]
    asked = [body["properties"]["fix_version"] for body in bodies if "default" in body["properties"]["arm"]]

    assert asked == [{"oneOf": [{"type": "integer"}, {"type": "null"}]}]
