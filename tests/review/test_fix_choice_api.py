"""`POST /api/reviews/{id}/fix`'s `choice`: a fix decision rejects an answer, so on an answer of `n` > 1 choices it
names the choice it rejects, checked as a decision's is (gateway.review.judged_choice). Both databases."""

from __future__ import annotations

from typing import Any

import pytest
from test_decision_choice_api import answered, task_for

FIXES: dict[str, dict[str, Any]] = {
    "knowledge": {"kind": "knowledge", "title": "Student card", "content": "Students get the student card."},
    "prompt": {"kind": "prompt", "text": "Recommend the student card to students.", "message": "wrong card"},
}


async def fix(client, admin_headers, task_id: str, kind: str = "knowledge", headers=None, **extra: Any):
    body = {**FIXES[kind], "reviewer": "alice", **extra}
    return await client.post(f"/api/reviews/{task_id}/fix", json=body, headers={**admin_headers, **(headers or {})})


async def task_page(client, admin_headers, task_id: str) -> dict:
    return (await client.get(f"/api/reviews/{task_id}", headers=admin_headers)).json()


def decided_choices(task: dict) -> list[Any]:
    return [e["detail"].get("choice") for e in task["events"] if e["kind"] == "decided"]


@pytest.mark.parametrize("kind", ["knowledge", "prompt"])
async def test_a_fix_names_the_choice_it_rejects(client, gateway, admin_headers, fake_upstream, kind):
    task_id = await task_for(client, admin_headers, [await answered(client, gateway)])

    made = await fix(client, admin_headers, task_id, kind, choice=2)

    assert made.status_code == 201, made.text
    for task in (made.json()["task"], await task_page(client, admin_headers, task_id)):
        assert [(d["outcome"], d["choice"]) for d in task["decisions"]] == [("reject", 2)]
        assert decided_choices(task) == [2]


async def test_a_fix_naming_no_choice_rejects_the_first_and_its_event_says_so(
    client, gateway, admin_headers, fake_upstream
):
    task_id = await task_for(client, admin_headers, [await answered(client, gateway)])

    made = await fix(client, admin_headers, task_id)

    assert made.status_code == 201, made.text
    task = await task_page(client, admin_headers, task_id)
    assert [d["choice"] for d in task["decisions"]] == [0]
    assert decided_choices(task) == [0]


async def test_a_choice_the_answer_does_not_have_is_a_422_and_nothing_is_made(
    client, gateway, admin_headers, fake_upstream
):
    task_id = await task_for(client, admin_headers, [await answered(client, gateway)])

    refused = await fix(client, admin_headers, task_id, choice=3)

    assert refused.status_code == 422, refused.text
    assert "3 choices (0 to 2)" in refused.json()["detail"]
    assert refused.json()["extra"][0]["key"] == "choice"
    task = await task_page(client, admin_headers, task_id)
    assert (task["status"], task["claim"], task["decisions"]) == ("open", None, [])
    entries = (await client.get("/api/kb", params={"app": task["app"]}, headers=admin_headers)).json()
    assert "Student card" not in str(entries)


async def test_a_choice_on_a_task_of_several_interactions_is_a_422_saying_why(
    client, gateway, admin_headers, fake_upstream
):
    task_id = await task_for(client, admin_headers, [await answered(client, gateway), await answered(client, gateway)])

    refused = await fix(client, admin_headers, task_id, choice=1)

    assert refused.status_code == 422, refused.text
    assert "holds 2 interactions" in refused.json()["detail"]
    made = await fix(client, admin_headers, task_id)
    assert made.status_code == 201, made.text
    assert decided_choices(made.json()["task"]) == [None]


async def test_the_same_key_with_another_choice_is_refused_naming_it(client, gateway, admin_headers, fake_upstream):
    task_id = await task_for(client, admin_headers, [await answered(client, gateway)])
    key = {"Idempotency-Key": "fix-choice-1"}

    first = await fix(client, admin_headers, task_id, headers=key, choice=1)
    again = await fix(client, admin_headers, task_id, headers=key, choice=1)
    other = await fix(client, admin_headers, task_id, headers=key, choice=2)

    assert (first.status_code, again.status_code) == (201, 200), (first.text, again.text)
    assert other.status_code == 422, other.text
    assert "choice" in other.json()["detail"]
