"""A claim that takes a task over from another reviewer says whom it replaced (both databases).

A claim makes its reviewer the task's assignee. Taking a task assigned to someone else (or whose claim lapsed), the
`claimed` event said only until when: who was responsible before was lost to the task's history (the audit record
kept it in its `before`). The event's detail names them, `replaced_assignee`, and the API lists it with the events.
"""

from __future__ import annotations

from review_seed import open_task, store_interactions
from test_review_api import create, patch

from gateway.review.service import ReviewService


async def test_claiming_a_task_assigned_to_another_reviewer_names_them_in_the_event(engine, reviews: ReviewService):
    task_id = await open_task(engine, reviews)
    await reviews.assign(task_id, "bob", actor="rita")

    claimed = await reviews.claim(task_id, "alice")

    assert (claimed.events[-1].kind, claimed.events[-1].detail.get("replaced_assignee")) == ("claimed", "bob")


async def test_claiming_a_lapsed_claim_names_its_holder_as_the_assignee_replaced(engine, reviews, clock):
    task_id = await open_task(engine, reviews)
    await reviews.claim(task_id, "bob")
    clock.advance(minutes=16)

    claimed = await reviews.claim(task_id, "alice")

    assert claimed.events[-1].detail["replaced_assignee"] == "bob"


async def test_claiming_ones_own_or_an_unassigned_task_replaces_nobody(engine, reviews):
    assigned, unassigned = await open_task(engine, reviews), await open_task(engine, reviews)
    await reviews.assign(assigned, "Alice", actor="rita")

    details = [(await reviews.claim(task_id, "alice")).events[-1].detail for task_id in (assigned, unassigned)]

    assert ["replaced_assignee" in detail for detail in details] == [False, False]


async def test_the_api_lists_the_assignee_a_claim_replaced(client, admin_headers, gateway):
    task = await create(client, admin_headers, await store_interactions(gateway.services.engine, 1))
    await patch(client, admin_headers, task["id"], action="assign", assignee="bob", reviewer="rita")

    claimed = await patch(client, admin_headers, task["id"], action="claim", reviewer="alice")

    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["events"][-1]["detail"]["replaced_assignee"] == "bob"
    listed = (await client.get(f"/api/reviews/{task['id']}", headers=admin_headers)).json()["events"]
    assert [e["detail"].get("replaced_assignee") for e in listed if e["kind"] == "claimed"] == ["bob"]
