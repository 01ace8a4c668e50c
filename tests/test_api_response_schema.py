"""The OpenAPI schema types the success bodies of the admin API, and what the API sends fits them.

Each body's schema is generated from the type its serializer returns (gateway.api.serialize and
its neighbours), so a client generated from the schema gets named fields, not `object`, each one
required that is always sent, under component names a client can take as class names. Real
answers of a seeded gateway are checked against the served schema on both stores, with every
object closed to keys the schema does not name: a key sent but not documented fails too.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import httpx
import jsonschema_rs
from api_schema_seed import requests, seed

# Every /api/ operation's JSON answer is typed. The export is not JSON but a stream of JSON Lines (one example
# per line, in the format asked for), documented as such below.
TYPED_PREFIX = "/api/"
NDJSON = "application/x-ndjson"
# Keys a body sends only sometimes, each saying when: the stats' `groups` only with group_by.
SOMETIMES_SENT = {"StatsJSON": {"groups"}}


def _typed(path: str) -> bool:
    return path.startswith(TYPED_PREFIX)


async def _schema(client: httpx.AsyncClient) -> dict[str, Any]:
    return (await client.get("/schema/openapi.json")).json()


def _resolved(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _success_bodies(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every 2xx JSON body schema of the typed /api/ operations, by "METHOD /path STATUS"."""
    return {
        f"{method.upper()} {path} {status}": answer["content"]["application/json"]["schema"]
        for path, item in schema["paths"].items()
        if _typed(path)
        for method, operation in item.items()
        if method in ("get", "post", "patch", "put", "delete")
        for status, answer in operation["responses"].items()
        if status.startswith("2") and "application/json" in answer.get("content", {})
    }


async def test_every_success_body_of_the_typed_operations_names_its_fields(client):
    schema = await _schema(client)

    bodies = _success_bodies(schema)

    for label, body in bodies.items():
        resolved = _resolved(schema, body)
        assert resolved.get("properties"), f"{label}: {resolved}"
    operations = {
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        if _typed(path)
        for method in item
        if method in ("get", "post", "patch", "put", "delete")
    }
    assert operations - {label.rsplit(" ", 1)[0] for label in bodies} == {"GET /api/export"}


async def test_the_export_is_documented_as_json_lines(client):
    schema = await _schema(client)

    answers = schema["paths"]["/api/export"]["get"]["responses"]

    assert list(answers["200"]["content"]) == [NDJSON]


async def test_every_object_an_answer_holds_requires_each_key_it_sends(client):
    schema = await _schema(client)
    components = schema["components"]["schemas"]

    reached = _components_reached(schema, list(_success_bodies(schema).values()))

    assert {"FeedbackEvent", "LinkedFixJSON", "PreviewItem", "AuditRecord", "TaskEvent"} <= reached
    for name in reached:
        component = components[name]
        sometimes = SOMETIMES_SENT.get(name, set())
        assert set(component.get("required", [])) == set(component.get("properties", {})) - sometimes, name


async def test_every_component_has_a_name_a_generated_client_can_use_as_a_class_name(client):
    schema = await _schema(client)

    names = list(schema["components"]["schemas"])

    assert [name for name in names if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", name)] == []
    assert {"InteractionPage", "FeedbackPage", "IssuePage", "EntryPage", "ReviewTaskPage", "AuditPage"} <= set(names)


def _components_reached(schema: dict[str, Any], nodes: list[Any]) -> set[str]:
    """The names of the components `nodes` refer to, and those they refer to in turn."""
    reached: set[str] = set()
    while nodes:
        node = nodes.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and (name := ref.rsplit("/", 1)[1]) not in reached:
                reached.add(name)
                nodes.append(schema["components"]["schemas"][name])
            nodes.extend(node.values())
        elif isinstance(node, list):
            nodes.extend(node)
    return reached


# -- real answers fit the schema --------------------------------------------------------


def _closed(node: Any) -> Any:
    """`node` with every object schema that names its properties refusing any other key."""
    if isinstance(node, dict):
        closed = {key: _closed(value) for key, value in node.items()}
        if "properties" in closed and "additionalProperties" not in closed:
            closed["additionalProperties"] = False
        return closed
    if isinstance(node, list):
        return [_closed(value) for value in node]
    return node


def _validator(schema: dict[str, Any], body: dict[str, Any]) -> jsonschema_rs.Draft202012Validator:
    """A validator for one operation's body, its references resolved against the served components."""
    components = _closed(copy.deepcopy(schema["components"]))
    return jsonschema_rs.Draft202012Validator({**body, "components": components})


async def test_the_answers_of_a_seeded_gateway_fit_the_schema(gateway, client, engine, admin_headers):
    ids, created = await seed(client, gateway, engine, admin_headers)
    schema = await _schema(client)
    answers = list(created)
    for method, url, body, path in requests(ids):
        answers.append((f"{method} {path}", await client.request(method, url, json=body, headers=admin_headers)))

    checked = set()
    for label, response in answers:
        method, path = label.split(" ")
        url = str(response.request.url)
        assert response.status_code in (200, 201), f"{method} {url}: {response.status_code} {response.text}"
        answer = schema["paths"][path][method.lower()]["responses"][str(response.status_code)]
        validator = _validator(schema, answer["content"]["application/json"]["schema"])
        errors = [f"{error.instance_path}: {error.message}" for error in validator.iter_errors(response.json())]
        assert not errors, f"{method} {url}: {errors}"
        checked.add(label)
    bodies = {label.rsplit(" ", 1)[0] for label in _success_bodies(schema)}
    assert bodies - checked == set()  # every typed operation was checked with a real answer
