"""`POST /api/reviews/{id}/decision`'s `choice`: which of the answer's choices (`n` > 1) the reviewer judges.

Stored with the decision and returned in the task's JSON and history; a choice the stored answer does
not have is a 422 naming `choice`, as `/v1/feedback` answers; a choice on a task holding several
interactions is a 422 saying why; a malformed one is a 400 (both databases).
"""

from __future__ import annotations

from typing import Any

from gateway.app import FeedgateApp

APP = {"authorization": "Bearer sk-choices-app"}
QUESTION = "Which card fits me?"


async def answered(client, gateway: FeedgateApp, n: int = 3) -> str:
    """An answer of `n` choices from the fake upstream, stored; returns its interaction id."""
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": QUESTION}], "n": n}
    response = await client.post("/v1/chat/completions", json=body, headers=APP)
    assert response.status_code == 200, response.text
    await gateway.services.writer.flush()
    return response.headers["x-feedgate-interaction-id"]


async def task_for(client, admin_headers, interaction_ids: list[str]) -> str:
    app = (await client.get(f"/api/interactions/{interaction_ids[0]}", headers=admin_headers)).json()["app"]
    body = {"app": app, "reason": "Which choice is right?", "interaction_ids": interaction_ids}
    response = await client.post("/api/reviews", json=body, headers=admin_headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def decide(client, admin_headers, task_id: str, **body: Any):
    body = {"reviewer": "alice", **body}
    return await client.post(f"/api/reviews/{task_id}/decision", json=body, headers=admin_headers)


async def test_the_choice_judged_is_returned_with_the_decision_and_in_its_history(
    client, gateway, admin_headers, fake_upstream
):
    task_id = await task_for(client, admin_headers, [await answered(client, gateway)])

    decided = await decide(client, admin_headers, task_id, outcome="approve", choice=1)

    assert decided.status_code == 200, decided.text
    read = (await client.get(f"/api/reviews/{task_id}", headers=admin_headers)).json()
    for task in (decided.json(), read):
        assert [d["choice"] for d in task["decisions"]] == [1]
        assert [e["detail"]["choice"] for e in task["events"] if e["kind"] == "decided"] == [1]


async def test_a_decision_naming_no_choice_judges_the_first(client, gateway, admin_headers, fake_upstream):
    task_id = await task_for(client, admin_headers, [await answered(client, gateway)])

    decided = await decide(client, admin_headers, task_id, outcome="correct", correction="The student card.")

    assert [d["choice"] for d in decided.json()["decisions"]] == [0]


async def test_a_choice_the_answer_does_not_have_is_a_422_naming_choice(client, gateway, admin_headers, fake_upstream):
    task_id = await task_for(client, admin_headers, [await answered(client, gateway)])

    refused = await decide(client, admin_headers, task_id, outcome="approve", choice=3)

    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert "3 choices (0 to 2)" in body["detail"]
    assert body["extra"][0]["key"] == "choice"
    task = (await client.get(f"/api/reviews/{task_id}", headers=admin_headers)).json()
    assert (task["status"], task["decisions"]) == ("open", [])


async def test_a_choice_on_a_task_of_several_interactions_is_a_422_saying_why(
    client, gateway, admin_headers, fake_upstream
):
    task_id = await task_for(client, admin_headers, [await answered(client, gateway), await answered(client, gateway)])

    refused = await decide(client, admin_headers, task_id, outcome="reject", choice=1)

    assert refused.status_code == 422, refused.text
    assert "holds 2 interactions" in refused.json()["detail"]
    assert refused.json()["extra"][0]["key"] == "choice"


async def test_a_choice_that_is_no_index_is_a_400_naming_it(client, gateway, admin_headers, fake_upstream):
    task_id = await task_for(client, admin_headers, [await answered(client, gateway)])

    for bad in (-1, True, 1.5, 200, "one"):
        refused = await decide(client, admin_headers, task_id, outcome="approve", choice=bad)
        assert refused.status_code == 400, (bad, refused.text)
        assert "choice" in refused.text
