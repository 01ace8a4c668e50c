"""`POST /api/reviews/{id}/fix` refuses a field of another kind of fix (a 400 naming the field and the kind), as
creating a preview refuses one of another kind of candidate: it was dropped, so a prompt fix sent with a `title`
or a `link_id` published a version where the sender meant an entry or a linked fix, and said nothing."""

from __future__ import annotations

import pytest
from test_review_fix_api import no_second_opinions, open_task

__all__ = ["no_second_opinions"]

BODIES = {
    "knowledge": {"kind": "knowledge", "reviewer": "alice", "title": "Transfer fee", "content": "1%."},
    "prompt": {"kind": "prompt", "reviewer": "alice", "text": "Quote the fee schedule.", "message": "fees"},
    "linked": {"kind": "linked", "reviewer": "alice", "link_id": "0190a000-0000-7000-8000-000000000000"},
}
STRAY = [
    ("prompt", "title", "Transfer fee"),
    ("prompt", "link_id", "0190a000-0000-7000-8000-000000000000"),
    ("prompt", "content", "1%."),
    ("prompt", "example_questions", ["What is the fee?"]),
    ("knowledge", "text", "Quote the fee schedule."),
    ("knowledge", "message", "fees"),
    ("knowledge", "link_id", "0190a000-0000-7000-8000-000000000000"),
    ("linked", "title", "Transfer fee"),
    ("linked", "content", "1%."),
    ("linked", "example_questions", ["What is the fee?"]),
    ("linked", "text", "Quote the fee schedule."),
    ("linked", "message", "fees"),
]


@pytest.mark.parametrize(("kind", "field", "value"), STRAY, ids=[f"{kind}-{field}" for kind, field, _ in STRAY])
async def test_a_field_of_another_kind_is_a_400_naming_it_and_the_kind(
    gateway, client, admin_headers, no_second_opinions, kind, field, value
):
    task = await open_task(gateway, client, admin_headers)
    body = {**BODIES[kind], field: value}

    response = await client.post(f"/api/reviews/{task['id']}/fix", json=body, headers=admin_headers)

    assert response.status_code == 400, response.text
    assert f"'{field}' is not a field of a {kind} fix, which takes " in response.json()["detail"]
    assert (await client.get(f"/api/reviews/{task['id']}", headers=admin_headers)).json()["status"] == "open"
    assert (await client.get("/api/kb", headers=admin_headers)).json()["data"] == []
    listed = (await client.get("/api/prompts", params={"app": "support-bot"}, headers=admin_headers)).json()
    assert listed["versions"] == []


async def test_the_fields_a_kind_takes_and_the_common_ones_are_still_accepted(
    gateway, client, admin_headers, no_second_opinions
):
    task = await open_task(gateway, client, admin_headers)
    body = {**BODIES["knowledge"], "example_questions": ["What is the fee?"], "comment": "checked the fee table"}

    response = await client.post(f"/api/reviews/{task['id']}/fix", json=body, headers=admin_headers)

    assert response.status_code == 201, response.text
