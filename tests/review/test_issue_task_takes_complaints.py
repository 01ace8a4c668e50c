"""A person's task naming an issue takes the issue's complaints no task holds, on both databases.

`POST /api/reviews` naming only an `issue_id` opened a task holding none of the issue's complaints, so a decision on
it was refused ("holds no interactions") until the issue rule added them; the issue page's "Open a review task" took
them. One rule in the review service (`ReviewService._write`) now takes them for every person's opening.
"""

from __future__ import annotations

from issue_rows import store_issue
from review_seed import store_interactions

from gateway.app import FeedgateApp
from gateway.review.records import Priority, Source

APP = "support-bot"


async def fees_issue(gateway: FeedgateApp, count: int = 2) -> list[str]:
    """Issue "fees" of APP holding `count` stored complaints: their ids."""
    ids = await store_interactions(gateway.services.engine, count, app=APP)
    await store_issue(gateway.services.engine, APP, "fees", ids)
    return ids


async def open_by_api(client, admin_headers, **body) -> dict:
    response = await client.post(
        "/api/reviews", json={"app": APP, "reason": "Look at it", **body}, headers=admin_headers
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


async def test_an_issue_id_alone_opens_a_task_holding_the_issues_complaints(client, gateway, admin_headers):
    ids = await fees_issue(gateway)

    opened = await open_by_api(client, admin_headers, issue_id="fees")

    assert sorted(opened["interaction_ids"]) == sorted(ids)


async def test_the_task_an_issue_id_alone_opened_can_be_decided(client, gateway, admin_headers):
    await fees_issue(gateway, count=1)
    opened = await open_by_api(client, admin_headers, issue_id="fees")

    decided = await client.post(
        f"/api/reviews/{opened['id']}/decision", json={"outcome": "approve", "reviewer": "rita"}, headers=admin_headers
    )

    assert decided.status_code == 200, decided.text
    # The decision is taken (its status stays open for the tenth of tasks the default share sends to a second reviewer).
    assert [(d["reviewer"], d["outcome"]) for d in decided.json()["decisions"]] == [("rita", "approve")]


async def test_complaints_a_closed_task_holds_are_left_to_it(client, gateway, admin_headers):
    ids = await fees_issue(gateway, count=3)
    other = await open_by_api(client, admin_headers, interaction_ids=ids[:1])
    await gateway.services.reviews.dismiss(other["id"], "otto")  # open, it would be the task updated

    opened = await open_by_api(client, admin_headers, issue_id="fees")

    assert opened["id"] != other["id"]
    assert (sorted(opened["interaction_ids"]), opened["already_held"]) == (sorted(ids[1:]), ids[:1])


async def test_interactions_named_with_the_issue_are_taken_with_its_complaints(client, gateway, admin_headers):
    ids = await fees_issue(gateway)
    elsewhere = await store_interactions(gateway.services.engine, 1, app=APP, question="Why so slow?")

    opened = await open_by_api(client, admin_headers, issue_id="fees", interaction_ids=elsewhere)

    assert sorted(opened["interaction_ids"]) == sorted([*elsewhere, *ids])


async def test_the_issue_pages_opening_without_member_ids_takes_them_too(gateway):
    ids = await fees_issue(gateway)

    # What the issue page's "Open a review task" asks of the service: the issue, no interactions.
    opened = await gateway.services.reviews.open_or_update(
        app=APP, source=Source.MANUAL, reason="Review the issue", priority=Priority.MEDIUM,
        issue_id="fees", actor="rita",
    )  # fmt: skip

    assert sorted(opened.task.interaction_ids) == sorted(ids)


async def test_a_rule_naming_an_issue_takes_only_the_interactions_it_names(gateway):
    ids = await fees_issue(gateway, count=2)

    # A rule tells which of the issue's complaints it found (the issue rule names them all).
    opened = await gateway.services.reviews.open_or_update(
        app=APP, source=Source.SIMILAR_NEGATIVE, reason="2 of 10 neighbours got thumbs-down", priority=Priority.LOW,
        interaction_ids=ids[:1], issue_id="fees",
    )  # fmt: skip

    assert opened.task.interaction_ids == tuple(ids[:1])
