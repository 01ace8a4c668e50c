"""Every number and boolean of an admin API JSON body is taken as JSON sends it, never read out of a string.

The framework decodes bodies in msgspec's lax mode, which read `"active": "0"` as false (an inactive entry made)
and `"expected_version": "1"` as 1; a client sending "false" as text got a silent, surprising result. Each such
field is now a 400 naming it and the type to send, on both databases; a whole float is still a whole number.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from litestar.handlers import HTTPRouteHandler

from gateway.api.strict_fields import strict_fields

MISSING = "00000000-0000-0000-0000-000000000000"

PROMPT_FIX = {"kind": "prompt", "reviewer": "ann", "text": "Be brief.", "message": "shorter answers"}

# (method, path, a valid body but for the field, the field, its declared kind): every number and boolean field.
FIELDS = [
    ("POST", "/api/prompts", {"app": "bank", "text": "Be brief."}, "active", bool),
    ("POST", "/api/prompts", {"app": "bank", "text": "Be brief."}, "canary_share", float),
    ("POST", f"/api/prompts/{MISSING}/canary", {}, "share", float),
    ("POST", "/api/kb", {"app": "bank", "title": "Fees", "content": "1%."}, "active", bool),
    ("PATCH", f"/api/kb/{MISSING}", {"title": "Fees"}, "active", bool),
    ("PATCH", f"/api/kb/{MISSING}", {"title": "Fees"}, "expected_version", int),
    ("POST", f"/api/kb/{MISSING}/restore", {}, "version", int),
    ("POST", f"/api/kb/{MISSING}/restore", {"version": 1}, "expected_version", int),
    ("POST", f"/api/reviews/{MISSING}/decision", {"outcome": "approve", "reviewer": "ann"}, "choice", int),
    ("POST", f"/api/reviews/{MISSING}/fix", {**PROMPT_FIX, "rollout": "canary"}, "canary_share", float),
    ("POST", f"/api/reviews/{MISSING}/fix", PROMPT_FIX, "choice", int),
    ("POST", f"/api/issues/{MISSING}/fixes", {"kind": "knowledge", "fix_id": MISSING}, "fix_version", int),
    ("POST", f"/api/issues/{MISSING}/fixes", {"kind": "knowledge", "fix_id": MISSING}, "live_at", datetime),
    ("POST", f"/api/issues/{MISSING}/previews", {"kind": "prompt", "text": "Be brief."}, "limit", int),
    ("POST", f"/api/previews/{MISSING}/live", {}, "canary_share", float),
]

# What the message asks for, by declared kind (`choice` keeps /v1/feedback's words for the same field).
ASKED = {
    bool: "true or false, sent as a JSON boolean",
    int: "a whole number, sent as a JSON number",
    float: "a number, sent as a JSON number",
    datetime: "a date and time to the second (RFC 3339; UTC when it has no offset), e.g. 2026-06-01T00:00:00Z, sent "
    "as a JSON string",
}
CHOICE_WORDS = "'choice' must be the index of one of the answer's choices, 0 to 127, not "

# What lax mode made of each: strings for every kind; for a boolean a number, for a number a boolean; for a time a
# number, read as seconds since 1970 (`"live_at": 2026` was 00:33:46 on 1 January 1970).
REFUSED = {
    bool: ["0", "false", "true", 0, 1],
    int: ["1", "1.0", "", True],
    float: ["0.1", "1", "nan", False],
    datetime: [2026, 1.5e9],
}

CASES = [
    pytest.param(method, path, body, field, kind, sent, id=f"{method} {path.replace(MISSING, '{id}')} {field}={sent!r}")
    for method, path, body, field, kind in FIELDS
    for sent in REFUSED[kind]
]


@pytest.mark.parametrize(("method", "path", "body", "field", "kind", "sent"), CASES)
async def test_a_field_sent_as_the_wrong_json_type_is_400_naming_it(
    client, admin_headers, method, path, body, field, kind, sent
):
    response = await client.request(method, path, json={**body, field: sent}, headers=admin_headers)

    assert response.status_code == 400, response.text
    answer = response.json()
    assert answer["extra"] == [{"key": field, "message": answer["detail"], "source": "body"}]
    if field == "choice":
        assert answer["detail"].startswith(CHOICE_WORDS), answer["detail"]
    else:
        assert answer["detail"].startswith(f"'{field}' must be {ASKED[kind]}"), answer["detail"]
    assert answer["detail"].endswith(f"not {json.dumps(sent)}")


@pytest.mark.parametrize(
    ("method", "path", "body", "field", "kind"),
    FIELDS,
    ids=[f"{m} {p.replace(MISSING, '{id}')} {f}" for m, p, _, f, _ in FIELDS],
)
async def test_the_same_field_sent_as_json_gets_past_the_check(client, admin_headers, method, path, body, field, kind):
    # A whole float is a whole number, as on /v1/feedback. The ids are of nothing, so the answer is a 201, a 404, or
    # the domain's word on the value (a choice on a task of no interaction): never a refusal of its type.
    value = {bool: False, int: 1.0, float: 0.5, datetime: "2026-06-01T00:00:00Z"}[kind]

    response = await client.request(method, path, json={**body, field: value}, headers=admin_headers)

    assert response.status_code in (201, 404, 422), response.text


def test_the_table_names_every_number_and_boolean_of_every_admin_body(gateway):
    declared = set()
    for route in gateway.api.routes:
        for handler in getattr(route, "route_handlers", []):
            if isinstance(handler, HTTPRouteHandler) and "data" in handler.parsed_fn_signature.parameters:
                body_type = handler.parsed_fn_signature.parameters["data"].annotation
                for method in handler.http_methods:
                    declared |= {(method, route.path, field.key) for field in strict_fields(body_type)}
    named = {(m, p.replace(MISSING, "{x}"), f) for m, p, _, f, _ in FIELDS}

    def shape(path: str) -> str:
        return "/".join("{x}" if part.startswith("{") else part for part in path.split("/"))

    assert {(m, shape(p), f) for m, p, f in declared if p.startswith("/api/")} == named


async def test_an_entry_sent_active_as_text_is_not_made_inactive(client, admin_headers):
    refused = await client.post(
        "/api/kb", json={"app": "bank", "title": "Fees", "content": "1%.", "active": "0"}, headers=admin_headers
    )
    made = await client.post(
        "/api/kb", json={"app": "bank", "title": "Fees", "content": "1%.", "active": False}, headers=admin_headers
    )

    assert refused.status_code == 400, refused.text
    assert refused.json()["detail"] == "'active' must be true or false, sent as a JSON boolean (no quotes), not \"0\""
    assert made.status_code == 201, made.text
    assert made.json()["active"] is False
    listing = await client.get("/api/kb", params={"app": "bank"}, headers=admin_headers)
    assert [entry["id"] for entry in listing.json()["data"]] == [made.json()["id"]]


async def test_an_edit_with_its_expected_version_as_text_saves_nothing(client, admin_headers):
    made = await client.post("/api/kb", json={"app": "bank", "title": "Fees", "content": "1%."}, headers=admin_headers)
    entry_id = made.json()["id"]

    refused = await client.patch(
        f"/api/kb/{entry_id}", json={"title": "Charges", "expected_version": "1"}, headers=admin_headers
    )
    edited = await client.patch(
        f"/api/kb/{entry_id}", json={"title": "Charges", "expected_version": 1.0}, headers=admin_headers
    )

    assert refused.status_code == 400, refused.text
    assert refused.json()["detail"] == (
        "'expected_version' must be a whole number, sent as a JSON number (no quotes), not \"1\""
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["title"], edited.json()["version"]) == ("Charges", 2)


async def test_several_fields_sent_as_the_wrong_type_are_all_named_in_one_400(client, admin_headers):
    made = await client.post("/api/kb", json={"app": "bank", "title": "Fees", "content": "1%."}, headers=admin_headers)

    refused = await client.patch(
        f"/api/kb/{made.json()['id']}",
        json={"title": "Charges", "active": 0, "expected_version": "1"},
        headers=admin_headers,
    )

    assert refused.status_code == 400, refused.text
    active = "'active' must be true or false, sent as a JSON boolean, not 0"
    version = "'expected_version' must be a whole number, sent as a JSON number (no quotes), not \"1\""
    assert refused.json()["detail"] == f"{active}; {version}"
    assert refused.json()["extra"] == [
        {"key": "active", "message": active, "source": "body"},
        {"key": "expected_version", "message": version, "source": "body"},
    ]
    entry = await client.get(f"/api/kb/{made.json()['id']}", headers=admin_headers)
    assert (entry.json()["title"], entry.json()["version"]) == ("Fees", 1)


async def test_a_live_preview_without_a_body_still_takes_every_default(client, admin_headers):
    response = await client.post(f"/api/previews/{MISSING}/live", headers=admin_headers)

    assert response.status_code == 404, response.text


async def test_malformed_json_gets_the_same_answer_with_or_without_numbers_in_the_body(client, admin_headers):
    headers = {**admin_headers, "content-type": "application/json"}

    with_numbers = await client.post("/api/kb", content=b'{"active": tru', headers=headers)
    without = await client.post("/api/erasures", content=b'{"active": tru', headers=headers)

    assert with_numbers.status_code == 400, with_numbers.text
    assert with_numbers.json()["detail"] == without.json()["detail"]
