"""The OpenAPI schema types the success bodies of the admin API, and what the API sends fits them.

Each body's schema is generated from the type its serializer returns (gateway.api.serialize and
its neighbours), so a client generated from the schema gets named fields, not `object`. Real
answers of a seeded gateway are checked against the served schema on both stores, with every
object closed to keys the schema does not name: a key sent but not documented fails too.
"""

from __future__ import annotations

import asyncio
import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jsonschema_rs
import numpy as np
import uuid_utils

from clustering.issue_status import IssueStatus
from gateway.store.issue_records import IssueWrite, RunRecord
from gateway.store.issues import IssueStore

# The operations whose success bodies are typed; the rest of /api/ is still to do (reviews, issue fixes and
# previews, audit, erasures; export streams a file of its own format).
TYPED_PREFIXES = ("/api/interactions", "/api/feedback", "/api/issues", "/api/kb", "/api/prompts", "/api/stats")
NOT_YET_TYPED = ("/api/issues/{issue_id}/effect", "/api/issues/{issue_id}/fixes", "/api/issues/{issue_id}/previews")
APP_KEY = "sk-schema"
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "where is my refund?"}]}


def _typed(path: str) -> bool:
    return path.startswith(TYPED_PREFIXES) and path not in NOT_YET_TYPED


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
    assert len(bodies) >= 25


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


async def _seed(
    client: httpx.AsyncClient, engine, admin_headers: dict[str, str]
) -> tuple[dict[str, str], list[tuple[str, httpx.Response]]]:
    """Two answered calls with feedback, issues, a knowledge entry and prompt versions: the ids to ask about, and
    the answers of the creates ("METHOD /path" each)."""
    tokens = []
    for question in ("where is my refund?", "how do I reset my password?"):
        body = {**CHAT, "messages": [{"role": "user", "content": question}]}
        answer = await client.post("/v1/chat/completions", json=body, headers={"authorization": f"Bearer {APP_KEY}"})
        assert answer.status_code == 200, answer.text
        tokens.append((answer.headers["x-feedgate-interaction-id"], answer.headers["x-feedgate-feedback-token"]))
    interaction_id = tokens[0][0]
    for recorded, token in tokens:
        given = await client.post(
            "/v1/feedback",
            json={"interaction_id": recorded, "thumbs": "down", "correction": "5 days", "metadata": {"page": 2}},
            headers={"x-feedgate-feedback-token": token},
        )
        assert given.status_code == 201, given.text
    for _ in range(200):  # the writer stores calls in the background
        listed = await client.get("/api/interactions", headers=admin_headers)
        if len(listed.json()["data"]) == 2:
            break
        await asyncio.sleep(0.02)
    issue_id = await _issue(engine, "schema-app", "Refund delays", [3, 5])
    other_id = await _issue(engine, "schema-app", "Refunds are slow", [2])
    entry = await client.post(
        "/api/kb",
        json={"app": "schema-app", "title": "Refunds", "content": "Refunds take 5 days.", "tags": ["billing"]},
        headers=admin_headers,
    )
    first = await client.post("/api/prompts", json={"app": "schema-app", "text": "Be brief."}, headers=admin_headers)
    second = await client.post("/api/prompts", json={"app": "schema-app", "text": "Be kind."}, headers=admin_headers)
    created = [("POST /api/kb", entry), ("POST /api/prompts", first), ("POST /api/prompts", second)]
    return {
        "interaction_id": interaction_id,
        "issue_id": issue_id,
        "other_issue_id": other_id,
        "entry_id": entry.json()["id"],
        "first_version": first.json()["id"],
        "second_version": second.json()["id"],
    }, created


async def _issue(engine, app: str, title: str, sizes: list[int]) -> str:
    """An issue of `app` through one clustering run per size (a trend, examples and events to show)."""
    issue_id = str(uuid_utils.uuid7())
    now = datetime.now(UTC)
    for index, size in enumerate(sizes):
        members = [str(uuid_utils.uuid7()) for _ in range(size)]
        at = now - timedelta(hours=len(sizes) - index)
        write = IssueWrite(
            id=issue_id,
            is_new=index == 0,
            title=title,
            summary="Refunds arrive late",
            keywords=["refund"],
            status=IssueStatus.NEW,
            regressed=False,
            size=size,
            negative_count=size,
            centroid=np.ones(4, dtype=np.float32),
            examples=[{"interaction_id": members[0], "text": title}],
            first_seen=now,
            last_seen=now,
            member_ids=members,
        )
        run = RunRecord(
            id=str(uuid_utils.uuid7()), app=app, started_at=at, finished_at=at, items=size, noise=0, issues=[write]
        )
        await IssueStore(engine).save_run(run)
    return issue_id


def _requests(ids: dict[str, str]) -> list[tuple[str, str, dict[str, Any] | None, str]]:
    """(method, url, body, the schema's path) for every typed operation, in an order that leaves each one valid."""
    entry, issue = ids["entry_id"], ids["issue_id"]
    first, second = ids["first_version"], ids["second_version"]
    return [
        ("GET", "/api/interactions", None, "/api/interactions"),
        ("GET", f"/api/interactions/{ids['interaction_id']}", None, "/api/interactions/{interaction_id}"),
        ("GET", "/api/feedback", None, "/api/feedback"),
        ("GET", "/api/stats", None, "/api/stats"),
        ("GET", "/api/stats?group_by=app&app=schema-app", None, "/api/stats"),
        ("GET", "/api/stats?group_by=model", None, "/api/stats"),
        ("GET", "/api/issues", None, "/api/issues"),
        ("GET", f"/api/issues/{issue}", None, "/api/issues/{issue_id}"),
        ("GET", f"/api/issues/{issue}/merge-candidates", None, "/api/issues/{issue_id}/merge-candidates"),
        ("PATCH", f"/api/issues/{issue}", {"status": "open", "note": "on it"}, "/api/issues/{issue_id}"),
        ("GET", "/api/kb", None, "/api/kb"),
        ("GET", f"/api/kb/{entry}", None, "/api/kb/{entry_id}"),
        ("PATCH", f"/api/kb/{entry}", {"content": "Refunds take 3 days."}, "/api/kb/{entry_id}"),
        ("POST", f"/api/kb/{entry}/deactivate", None, "/api/kb/{entry_id}/deactivate"),
        ("POST", f"/api/kb/{entry}/activate", None, "/api/kb/{entry_id}/activate"),
        ("GET", f"/api/kb/{entry}/versions", None, "/api/kb/{entry_id}/versions"),
        ("POST", f"/api/kb/{entry}/restore", {"version": 1}, "/api/kb/{entry_id}/restore"),
        ("GET", "/api/prompts?app=schema-app", None, "/api/prompts"),
        ("GET", f"/api/prompts/{first}", None, "/api/prompts/{version_id}"),
        ("GET", f"/api/prompts/diff?from={first}&to={second}", None, "/api/prompts/diff"),
        ("POST", "/api/prompts/mode", {"app": "schema-app", "mode": "append"}, "/api/prompts/mode"),
        ("POST", f"/api/prompts/{first}/activate", None, "/api/prompts/{version_id}/activate"),
        ("POST", f"/api/prompts/{second}/canary", {"share": 0.2}, "/api/prompts/{version_id}/canary"),
        ("POST", f"/api/prompts/{second}/promote", None, "/api/prompts/{version_id}/promote"),
        ("POST", f"/api/prompts/{second}/rollback", None, "/api/prompts/{version_id}/rollback"),
    ]


async def test_the_answers_of_a_seeded_gateway_fit_the_schema(client, engine, admin_headers):
    ids, created = await _seed(client, engine, admin_headers)
    schema = await _schema(client)
    answers = list(created)
    for method, url, body, path in _requests(ids):
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
