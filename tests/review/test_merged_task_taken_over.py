"""Asked for an issue before a clustering pass hands a merged issue's open task over, a person gets that task.

A pass merges issues first and hands their open tasks over after (gateway.review.merged_issues). A person asking
for a task on the surviving issue in between (`POST /api/reviews` with its `issue_id`, or the merged issue's)
takes the merged issue's open task over then, as the hand-over would: one task, with its claim and history, and
the hand-over that follows finds nothing left to do. Both databases.
"""

from __future__ import annotations

from sqlalchemy import update
from test_issue_filter_follows_merges import APP, members, merge, open_task

from gateway.app import FeedgateApp
from gateway.review.lifecycle import MERGE_ACTOR
from gateway.review.merged_issues import follow_merged_issues
from gateway.store.audit import AuditFilter, AuditStore
from gateway.store.tables import issues

__all__ = ["members"]  # the fixture, used by name


async def merged_by_a_pass(gateway: FeedgateApp, issue_id: str, into: str) -> None:
    """Merge as a clustering pass does, before it hands the merged issue's open task over (gateway.store.issues)."""
    async with gateway.services.engine.begin() as connection:
        await connection.execute(
            update(issues).where(issues.c.id == issue_id).values(merged_into=into, size=0, status="dismissed")
        )


async def hand_over(gateway: FeedgateApp) -> int:
    """What the pass does next: hand every open task of a merged issue over; how many it found to hand over."""
    services = gateway.services
    return await follow_merged_issues(services.reviews, services.issue_service, APP)


async def asked(client, admin_headers, issue_id: str, reason: str = "look again") -> tuple[int, dict]:
    body = {"app": APP, "reason": reason, "issue_id": issue_id, "created_by": "paula"}
    response = await client.post("/api/reviews", json=body, headers=admin_headers)
    assert response.status_code in (200, 201), response.text
    return response.status_code, response.json()


async def claim(client, admin_headers, task_id: str, reviewer: str) -> None:
    body = {"action": "claim", "reviewer": reviewer}
    response = await client.patch(f"/api/reviews/{task_id}", json=body, headers=admin_headers)
    assert response.status_code == 200, response.text


async def task(client, admin_headers, task_id: str) -> dict:
    response = await client.get(f"/api/reviews/{task_id}", headers=admin_headers)
    assert response.status_code == 200, response.text
    return response.json()


async def open_tasks(client, admin_headers, issue: str) -> list[str]:
    params = {"issue": issue, "status": "unfinished", "limit": 100}
    response = await client.get("/api/reviews", params=params, headers=admin_headers)
    assert response.status_code == 200, response.text
    return [found["id"] for found in response.json()["data"]]


async def test_asking_for_the_survivor_takes_the_merged_issues_open_task(client, gateway, admin_headers, members):
    merged_task = await open_task(client, admin_headers, "fees")
    await claim(client, admin_headers, merged_task, "rita")
    await merged_by_a_pass(gateway, "fees", "charges")

    status, taken = await asked(client, admin_headers, "charges")

    assert (status, taken["id"], taken["issue_id"]) == (200, merged_task, "charges")
    assert (taken["status"], taken["claim"]["reviewer"]) == ("in_progress", "rita")


async def test_the_take_over_is_told_as_the_hand_over_tells_it_before_the_request(
    client, gateway, admin_headers, members
):
    merged_task = await open_task(client, admin_headers, "fees")
    await merged_by_a_pass(gateway, "fees", "charges")

    await asked(client, admin_headers, "charges")

    events = (await task(client, admin_headers, merged_task))["events"]
    assert [(e["kind"], e["actor"]) for e in events[-2:]] == [("issue_merged", MERGE_ACTOR), ("updated", "paula")]
    assert events[-2]["detail"] == {"was_issue": "fees", "issue_id": "charges"}


async def test_the_pass_then_finds_nothing_to_hand_over_and_one_task_stays_open(
    client, gateway, admin_headers, members
):
    merged_task = await open_task(client, admin_headers, "fees")
    await merged_by_a_pass(gateway, "fees", "charges")
    await asked(client, admin_headers, "charges")
    events_before = len((await task(client, admin_headers, merged_task))["events"])

    assert await hand_over(gateway) == 0

    after = await task(client, admin_headers, merged_task)
    assert (after["status"], after["issue_id"], len(after["events"])) == ("open", "charges", events_before)
    assert await open_tasks(client, admin_headers, "charges") == [merged_task]


async def test_asking_for_the_merged_issue_itself_takes_its_task_too(client, gateway, admin_headers, members):
    merged_task = await open_task(client, admin_headers, "fees")
    await merged_by_a_pass(gateway, "fees", "charges")

    status, taken = await asked(client, admin_headers, "fees")

    assert (status, taken["id"], taken["issue_id"]) == (200, merged_task, "charges")


async def test_a_task_at_the_start_of_a_chain_of_merges_is_taken_by_its_end(client, gateway, admin_headers, members):
    merged_task = await open_task(client, admin_headers, "fees")
    await merged_by_a_pass(gateway, "fees", "charges")
    await merged_by_a_pass(gateway, "charges", "other")

    status, taken = await asked(client, admin_headers, "other")

    assert (status, taken["id"], taken["issue_id"]) == (200, merged_task, "other")
    assert await hand_over(gateway) == 0


async def test_the_survivors_own_open_task_is_the_one_updated(client, gateway, admin_headers, members):
    merged_task = await open_task(client, admin_headers, "fees")
    survivors = await open_task(client, admin_headers, "charges")
    await merged_by_a_pass(gateway, "fees", "charges")

    status, updated = await asked(client, admin_headers, "charges")
    await hand_over(gateway)

    assert (status, updated["id"]) == (200, survivors)
    dismissed = await task(client, admin_headers, merged_task)
    assert (dismissed["status"], dismissed["events"][-1]["detail"]["carried_on_by"]) == ("dismissed", survivors)


async def test_of_two_merged_issues_tasks_the_first_in_the_queue_is_taken_and_the_other_dismissed_naming_it(
    client, gateway, admin_headers, members
):
    later = await open_task(client, admin_headers, "other")
    body = {"app": APP, "reason": "urgent", "issue_id": "fees", "priority": "high"}
    response = await client.post("/api/reviews", json=body, headers=admin_headers)
    first_in_queue = response.json()["id"]
    await merged_by_a_pass(gateway, "fees", "charges")
    await merged_by_a_pass(gateway, "other", "charges")

    _, taken = await asked(client, admin_headers, "charges")
    await hand_over(gateway)

    assert taken["id"] == first_in_queue
    dismissed = await task(client, admin_headers, later)
    assert (dismissed["status"], dismissed["events"][-1]["detail"]["carried_on_by"]) == ("dismissed", first_in_queue)


async def test_a_merge_made_by_a_person_is_handed_over_at_once_as_before(client, admin_headers, members):
    merged_task = await open_task(client, admin_headers, "fees")
    await merge(client, admin_headers, "fees", "charges")

    status, updated = await asked(client, admin_headers, "charges")

    assert (status, updated["id"]) == (200, merged_task)


# -- what was asked for, and where it went ------------------------------------------------------------------------


async def audited(gateway: FeedgateApp, task_id: str, action: str) -> dict:
    [record] = await AuditStore(gateway.services.engine).list(AuditFilter(subject_id=task_id, action=action), 10)
    return dict(record.detail)


async def test_a_task_opened_for_a_merged_issue_records_the_issue_asked_for(client, gateway, admin_headers, members):
    await merge(client, admin_headers, "fees", "charges")

    _, opened = await asked(client, admin_headers, "fees")

    [event] = opened["events"]
    assert (event["detail"]["issue_id"], event["detail"]["asked_issue_id"]) == ("charges", "fees")
    record = await audited(gateway, opened["id"], "review.open")
    assert (record["issue_id"], record["asked_issue_id"]) == ("charges", "fees")


async def test_a_task_updated_for_a_merged_issue_records_the_issue_asked_for(client, gateway, admin_headers, members):
    survivors = await open_task(client, admin_headers, "charges")
    await merge(client, admin_headers, "fees", "charges")

    _, updated = await asked(client, admin_headers, "fees", reason="the fees complaints too")

    event = updated["events"][-1]
    assert (event["kind"], event["detail"]["issue_id"], event["detail"]["asked_issue_id"]) == (
        "updated",
        "charges",
        "fees",
    )
    record = await audited(gateway, survivors, "review.update")
    assert (record["issue_id"], record["asked_issue_id"]) == ("charges", "fees")


async def test_the_answer_names_the_issue_asked_for_beside_the_one_the_task_is_about(client, admin_headers, members):
    await merge(client, admin_headers, "fees", "charges")

    _, opened = await asked(client, admin_headers, "fees")
    _, again = await asked(client, admin_headers, "charges", reason="and again")

    assert (opened["issue_id"], opened["asked_issue_id"]) == ("charges", "fees")
    assert (again["issue_id"], again["asked_issue_id"]) == ("charges", "charges")


async def test_a_task_asked_for_a_live_issue_records_no_other_issue(client, gateway, admin_headers, members):
    _, opened = await asked(client, admin_headers, "charges")

    assert "asked_issue_id" not in opened["events"][0]["detail"]
    assert "asked_issue_id" not in await audited(gateway, opened["id"], "review.open")
