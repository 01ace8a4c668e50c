"""Every JSON body of the admin API refuses text holding a NUL character, naming the field: no store keeps one."""

from __future__ import annotations

import pytest

MISSING = "00000000-0000-0000-0000-000000000000"

# Bodies valid but for a NUL in one text field, or in one text of a list (the review routes' own
# patterns refuse NUL already, with msgspec's message).
BODIES = [
    ("POST", "/api/erasures", {"user": "a\x00b"}, "user"),
    ("POST", "/api/prompts", {"app": "bank", "text": "Be\x00 brief.", "message": "why"}, "text"),
    ("POST", "/api/kb", {"app": "bank", "title": "Fees", "content": "1%\x00."}, "content"),
    ("POST", "/api/kb", {"app": "bank", "title": "Fees", "content": "1%.", "tags": ["fe\x00es"]}, "tags"),
    ("PATCH", f"/api/issues/{MISSING}", {"title": "Fe\x00es"}, "title"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), BODIES, ids=[f"{m} {p} {f}" for m, p, _, f in BODIES])
async def test_a_nul_in_a_text_field_is_400_naming_it(client, admin_headers, method, path, body, field):
    response = await client.request(method, path, json=body, headers=admin_headers)

    assert response.status_code == 400, response.text
    assert f"'{field}' must not contain NUL characters" in response.text


async def test_an_erasure_of_a_user_with_a_nul_writes_no_audit_record(client, admin_headers):
    await client.post("/api/erasures", json={"user": "a\x00b"}, headers=admin_headers)

    records = await client.get("/api/audit", params={"action": "privacy.erasure"}, headers=admin_headers)

    assert records.json()["data"] == []
