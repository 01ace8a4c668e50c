"""Every JSON body of the admin API refuses a field it does not know, naming it, instead of dropping it."""

from __future__ import annotations

import pytest

MISSING = "00000000-0000-0000-0000-000000000000"

# One body per route, valid but for a misspelt or made-up field.
BODIES = [
    ("POST", "/api/prompts", {"app": "bank", "instruction": "Be brief."}, "instruction"),
    ("POST", "/api/prompts/mode", {"app": "bank", "mode": "append", "model": "m"}, "model"),
    ("POST", f"/api/prompts/{MISSING}/canary", {"share": 0.1, "percent": 10}, "percent"),
    ("POST", "/api/kb", {"app": "bank", "title": "Fees", "content": "1%.", "questions": ["fee?"]}, "questions"),
    ("PATCH", f"/api/kb/{MISSING}", {"titel": "Fees"}, "titel"),
    ("POST", f"/api/kb/{MISSING}/restore", {"version": 1, "force": True}, "force"),
    ("POST", "/api/reviews", {"app": "bank", "reason": "check", "interactions": ["x"]}, "interactions"),
    ("PATCH", f"/api/reviews/{MISSING}", {"action": "claim", "reviewer": "ann", "user": "ann"}, "user"),
    ("POST", f"/api/reviews/{MISSING}/decision", {"outcome": "approve", "reviewer": "ann", "note": "ok"}, "note"),
    ("POST", f"/api/reviews/{MISSING}/fix", {"kind": "prompt", "reviewer": "ann", "prompt": "Be brief."}, "prompt"),
    ("PATCH", f"/api/issues/{MISSING}", {"status": "resolved", "reason": "fixed"}, "reason"),
    ("POST", f"/api/issues/{MISSING}/fixes", {"kind": "knowledge", "fix_id": MISSING, "version": 2}, "version"),
    ("POST", f"/api/issues/{MISSING}/previews", {"kind": "prompt", "text": "Be brief.", "n": 3}, "n"),
    ("POST", "/api/erasures", {"user": "u-1", "dry_run": True}, "dry_run"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), BODIES, ids=[f"{m} {p}" for m, p, _, _ in BODIES])
async def test_an_unknown_field_is_400_naming_it(client, admin_headers, method, path, body, field):
    response = await client.request(method, path, json=body, headers=admin_headers)

    assert response.status_code == 400, response.text
    assert f"unknown field `{field}`" in response.text


async def test_a_version_with_a_misspelt_field_is_not_published(client, admin_headers):
    await client.post("/api/prompts", json={"app": "bank", "instruction": "Be brief."}, headers=admin_headers)

    listing = await client.get("/api/prompts", params={"app": "bank"}, headers=admin_headers)

    assert listing.status_code == 200
    assert listing.json()["versions"] == []


@pytest.mark.parametrize(
    ("method", "path"), [(m, p) for m, p, _, _ in BODIES], ids=[f"{m} {p}" for m, p, _, _ in BODIES]
)
async def test_a_missing_body_is_400_saying_a_json_object_is_needed(client, admin_headers, method, path):
    response = await client.request(method, path, headers=admin_headers)

    assert response.status_code == 400, response.text
    assert response.json()["extra"][0]["message"].startswith("send a JSON object as the request body")
