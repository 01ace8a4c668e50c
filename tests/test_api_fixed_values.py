"""A value outside a parameter's fixed list is a 400 naming the parameter and listing the values it takes.

The framework said "Invalid enum value 'any'" alone, so a caller could not tell what to send. The schema
documents each list (an `enum`), and every refusal is checked against it, so a new parameter is checked too.
"""

from __future__ import annotations

from typing import Any

import pytest


def _listed(schema: dict[str, Any], form: dict[str, Any]) -> list[Any] | None:
    """The values `form` (a parameter's or property's schema) lists, following `$ref` and `oneOf`; None if none."""
    if "$ref" in form:
        return _listed(schema, schema["components"]["schemas"][form["$ref"].rsplit("/", 1)[1]])
    if "enum" in form:
        return [value for value in form["enum"] if value is not None]
    for member in form.get("oneOf", []):
        if (found := _listed(schema, member)) is not None:
            return found
    return None


def _body_properties(schema: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body is None:
        return {}
    forms = [body, *body.get("oneOf", []), *body.get("allOf", [])]
    for form in forms:
        if "$ref" in form:
            return schema["components"]["schemas"][form["$ref"].rsplit("/", 1)[1]].get("properties", {})
    return {}


async def _api_schema(client) -> dict[str, Any]:
    return (await client.get("/schema/openapi.json")).json()


async def fixed_query_parameters(client) -> list[tuple[str, str, list[Any]]]:
    """(path, name, values) of every admin GET query parameter the schema documents as a fixed list."""
    schema = await _api_schema(client)
    found = []
    for path, item in schema["paths"].items():
        for parameter in item.get("get", {}).get("parameters", []):
            values = _listed(schema, parameter["schema"])
            if path.startswith("/api/") and parameter["in"] == "query" and values is not None:
                found.append((path, parameter["name"], values))
    return found


async def fixed_body_fields(client) -> list[tuple[str, str, str, list[Any]]]:
    """(method, path, field, values) of every admin JSON body field the schema documents as a fixed list."""
    schema = await _api_schema(client)
    found = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if not path.startswith("/api/") or not isinstance(operation, dict):
                continue
            for name, form in _body_properties(schema, operation).items():
                if (values := _listed(schema, form)) is not None:
                    found.append((method.upper(), path.replace("{", "x").replace("}", ""), name, values))
    return found


def one_of(name: str, values: list[Any], sent: str) -> str:
    return f"'{name}' must be one of {', '.join(map(str, values))}; got {sent}"


async def test_a_query_parameter_outside_its_list_is_refused_naming_it_and_its_values(client, admin_headers):
    checked = []
    for path, name, values in await fixed_query_parameters(client):
        params = {name: "any", **({"app": "bank"} if path == "/api/reviews/calibration" else {})}
        response = await client.get(path, params=params, headers=admin_headers)

        said = one_of(name, values, "'any'")
        assert response.status_code == 400, f"{path} {name}: {response.text}"
        assert response.json()["extra"] == [{"key": name, "message": said, "source": "query"}], path
        assert response.json()["detail"] == said
        checked.append(f"{path}?{name}")
    # reviews: status, priority, source, sort; issues: status, sort; stats: group_by.
    assert len(checked) >= 7, checked


async def test_a_body_field_outside_its_list_is_refused_naming_it_and_its_values(client, admin_headers):
    checked = []
    for method, path, name, values in await fixed_body_fields(client):
        response = await client.request(method, path, json={name: "any"}, headers=admin_headers)

        said = one_of(name, values, "'any'")
        assert response.status_code == 400, f"{method} {path} {name}: {response.text}"
        assert response.json()["extra"] == [{"key": name, "message": said, "source": "body"}], f"{path} {name}"
        checked.append(f"{method} {path} {name}")
    # decision outcome, task action, priority, issue status and expected_status, fix kinds, arms, rollouts, modes.
    assert len(checked) >= 10, checked


@pytest.mark.parametrize(("sent", "shown"), [(5, "5"), (None, "null"), (True, "true"), (["high"], '["high"]')])
async def test_a_body_field_of_a_fixed_list_sent_as_another_type_lists_the_values(client, admin_headers, sent, shown):
    # It was "'priority': Expected `str`, got `int`": the type, not the values.
    body = {"app": "bank", "reason": "check", "interaction_ids": ["a"], "priority": sent}
    response = await client.post("/api/reviews", json=body, headers=admin_headers)

    said = one_of("priority", ["high", "medium", "low"], shown)
    assert response.status_code == 400
    assert response.json()["extra"] == [{"key": "priority", "message": said, "source": "body"}]


async def test_a_nested_body_field_outside_its_list_is_named_by_its_path(client, admin_headers):
    body = {"kind": "prompt", "text": "Be brief.", "mode": "before"}
    response = await client.post("/api/issues/x/previews", json=body, headers=admin_headers)

    said = one_of("mode", ["prepend", "append", "replace"], "'before'")
    assert response.status_code == 400
    assert response.json()["extra"] == [{"key": "mode", "message": said, "source": "body"}]


async def test_a_long_value_outside_the_list_is_quoted_by_its_start_and_length(client, admin_headers):
    response = await client.get("/api/reviews", params={"status": "x" * 3000}, headers=admin_headers)

    said = one_of("status", ["open", "in_progress", "resolved", "dismissed", "unfinished"], f"'{'x' * 60}…'")
    assert response.json()["detail"] == said + " (3,000 characters)"


async def test_a_boolean_query_parameter_says_it_takes_true_or_false(client, admin_headers):
    # It was "'negative': Expected `bool | null`, got `str`": every query parameter comes as text.
    response = await client.get("/api/feedback", params={"negative": "yes"}, headers=admin_headers)

    said = one_of("negative", ["true", "false"], "'yes'")
    assert response.status_code == 400
    assert response.json()["extra"] == [{"key": "negative", "message": said, "source": "query"}]


async def test_the_domains_own_refusal_of_a_value_outside_a_list_has_the_same_words(client, admin_headers):
    # The export reads `format` itself: one rule, so the same sentence as the framework's refusals now give.
    response = await client.get("/api/export", params={"format": "alpaca"}, headers=admin_headers)

    assert response.json()["detail"] == one_of("format", ["chat", "preference", "jsonl"], "'alpaca'")


@pytest.mark.parametrize(
    ("path", "body"), [("/api/prompts/mode", {"app": "bank"}), ("/api/prompts", {"app": "bank", "text": "Hi."})]
)
async def test_a_prompt_mode_of_another_type_lists_the_modes(client, admin_headers, path, body):
    # The mode was declared as any text and checked by the domain: a number got "'mode': Expected `str`, got `int`".
    response = await client.post(path, json={**body, "mode": 5}, headers=admin_headers)

    said = one_of("mode", ["prepend", "append", "replace"], "5")
    assert response.status_code == 400
    assert response.json()["extra"] == [{"key": "mode", "message": said, "source": "body"}]
