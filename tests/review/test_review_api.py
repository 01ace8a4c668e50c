"""`/api/reviews`: the review queue over HTTP, with a precise status and message for every bad write."""

from __future__ import annotations

import pytest
from review_seed import Clock, give_feedback, store_interactions

from gateway.app import FeedgateApp
from gateway.review.levels import ServiceLevels
from gateway.review.service import ReviewService
from gateway.store.review_figures import ReviewFigureStore
from gateway.store.reviews import ReviewStore


@pytest.fixture
def clock(gateway: FeedgateApp) -> Clock:
    """The running gateway's review service, on a clock the test moves."""
    services = gateway.services
    clock = Clock()
    levels = ServiceLevels.from_settings(services.settings.model_copy(update={"review_second_opinion_share": 0.0}))
    services.reviews = ReviewService(
        ReviewStore(services.engine), ReviewFigureStore(services.engine), levels, clock=clock
    )
    return clock


@pytest.fixture
async def ids(gateway: FeedgateApp) -> list[str]:
    return await store_interactions(gateway.services.engine, 3)


async def create(client, admin_headers, interaction_ids, **fields) -> dict:
    body = {
        "app": "support-bot",
        "reason": "A customer escalated this answer",
        "interaction_ids": interaction_ids,
        **fields,
    }
    response = await client.post("/api/reviews", json=body, headers=admin_headers)
    assert response.status_code == 201, response.text
    return response.json()


async def patch(client, admin_headers, task_id: str, **body):
    return await client.patch(f"/api/reviews/{task_id}", json=body, headers=admin_headers)


async def decide(client, admin_headers, task_id: str, **body):
    return await client.post(f"/api/reviews/{task_id}/decision", json=body, headers=admin_headers)


# -- opening -------------------------------------------------------------------------------


async def test_a_manual_task_is_created_with_its_evidence_and_history(client, admin_headers, clock, ids):
    task = await create(client, admin_headers, ids[:1], priority="high", tags=["fees"], evidence={"ticket": 42})

    assert (task["source"], task["priority"], task["status"]) == ("manual", "high", "open")
    assert (task["interaction_ids"], task["tags"], task["evidence"]) == (ids[:1], ["fees"], {"ticket": 42})
    assert task["events"][0]["kind"] == "opened"
    assert task["events"][0]["actor"] == "admin-token"
    assert task["suggested_action"]["kind"] == "revise_prompt_instructions"
    assert task["deadline"] == "2026-06-02T09:00:00Z"


async def test_asking_again_for_the_same_interaction_updates_the_open_task(client, admin_headers, clock, ids):
    first = await create(client, admin_headers, ids[:1])

    response = await client.post(
        "/api/reviews",
        json={"app": "support-bot", "reason": "Escalated twice", "interaction_ids": ids[:2]},
        headers=admin_headers,
    )

    assert response.status_code == 200
    assert response.json()["id"] == first["id"]
    assert response.json()["interaction_ids"] == ids[:2]


async def test_an_interaction_already_reviewed_is_a_conflict(client, admin_headers, clock, ids):
    task = await create(client, admin_headers, ids[:1])
    await decide(client, admin_headers, task["id"], outcome="approve", reviewer="alice")

    response = await client.post(
        "/api/reviews",
        json={"app": "support-bot", "reason": "Again", "interaction_ids": ids[:1]},
        headers=admin_headers,
    )

    assert response.status_code == 409
    assert "never reviewed twice" in response.json()["detail"]


@pytest.mark.parametrize(
    ("changes", "names"),
    [
        ({"interaction_ids": ["no-such-interaction"]}, "no-such-interaction"),
        ({"app": "other-bot"}, "belongs to app"),
        ({"interaction_ids": []}, "at least one interaction or an issue"),
        ({"interaction_ids": [], "issue_id": "no-such-issue"}, "no issue"),
        ({"priority": "urgent"}, "priority"),
        ({"reason": ""}, "reason"),
        ({"reason": "\u200b\u3000"}, "reason"),
        ({"evidence": {"held_answer": {"body": "{}", "sha256": "0" * 64}}}, "evidence.held_answer"),
    ],
)
async def test_a_bad_new_task_is_refused_naming_what_to_fix(client, admin_headers, clock, ids, changes, names):
    body = {"app": "support-bot", "reason": "Escalated", "interaction_ids": ids[:1], **changes}

    response = await client.post("/api/reviews", json=body, headers=admin_headers)

    assert response.status_code == 400, response.text
    assert names in response.text


async def test_the_api_needs_the_admin_token(client, clock):
    assert (await client.get("/api/reviews")).status_code == 401


# -- reading -------------------------------------------------------------------------------


async def test_an_unknown_task_is_404(client, admin_headers, clock):
    for response in (
        await client.get("/api/reviews/nope", headers=admin_headers),
        await patch(client, admin_headers, "nope", action="claim", reviewer="alice"),
        await decide(client, admin_headers, "nope", outcome="approve", reviewer="alice"),
    ):
        assert response.status_code == 404
        assert "no review task with id 'nope'" in response.json()["detail"]


async def test_listing_filters_and_pages(client, admin_headers, clock, ids):
    low = await create(client, admin_headers, ids[:1], priority="low", tags=["fees"])
    high = await create(client, admin_headers, ids[1:2], priority="high")
    claimed = await create(client, admin_headers, ids[2:], priority="medium")
    await patch(client, admin_headers, claimed["id"], action="claim", reviewer="alice")

    async def listed(query: str) -> list[str]:
        response = await client.get(f"/api/reviews?{query}", headers=admin_headers)
        assert response.status_code == 200, response.text
        return [task["id"] for task in response.json()["data"]]

    assert await listed("") == [high["id"], claimed["id"], low["id"]]
    assert await listed("sort=newest") == [claimed["id"], high["id"], low["id"]]
    assert await listed("status=open") == [high["id"], low["id"]]
    assert await listed("status=in_progress&assignee=alice") == [claimed["id"]]
    assert await listed("tag=fees") == [low["id"]]
    assert await listed("priority=high&source=manual&app=support-bot") == [high["id"]]
    clock.advance(hours=30)
    assert await listed("overdue=true") == [high["id"]]
    page = (await client.get("/api/reviews?limit=2", headers=admin_headers)).json()
    assert (len(page["data"]), page["next_offset"]) == (2, 2)


async def test_unfinished_lists_open_and_claimed_tasks_but_not_finished_ones(client, admin_headers, clock, ids):
    waiting = await create(client, admin_headers, ids[:1], priority="high")
    claimed = await create(client, admin_headers, ids[1:2], priority="medium")
    dismissed = await create(client, admin_headers, ids[2:], priority="low")
    await patch(client, admin_headers, claimed["id"], action="claim", reviewer="alice")
    await patch(client, admin_headers, dismissed["id"], action="dismiss", reviewer="alice")

    response = await client.get("/api/reviews?status=unfinished", headers=admin_headers)

    assert response.status_code == 200, response.text
    assert [task["id"] for task in response.json()["data"]] == [waiting["id"], claimed["id"]]


async def test_the_list_says_how_many_tasks_its_filters_match_on_every_page(client, admin_headers, clock, ids):
    await create(client, admin_headers, ids[:1], priority="low", tags=["Fees"])
    await create(client, admin_headers, ids[1:2], priority="high", tags=["fees"])
    dismissed = await create(client, admin_headers, ids[2:], priority="low", tags=["fees"])
    await patch(client, admin_headers, dismissed["id"], action="dismiss", reviewer="alice")

    async def totals(query: str) -> tuple[int, int]:
        response = await client.get(f"/api/reviews?{query}", headers=admin_headers)
        assert response.status_code == 200, response.text
        return len(response.json()["data"]), response.json()["total"]

    assert await totals("tag=FEES&status=unfinished&limit=1") == (1, 2)
    assert await totals("tag=FEES&status=unfinished&limit=1&offset=1") == (1, 2)
    assert await totals("tag=fees") == (3, 3)
    assert await totals("priority=low&status=open") == (1, 1)
    assert await totals("assignee=nobody") == (0, 0)


async def test_a_bad_filter_is_400(client, admin_headers, clock):
    response = await client.get("/api/reviews?status=closed", headers=admin_headers)

    assert response.status_code == 400


# -- claims and status ----------------------------------------------------------------------


async def test_a_claimed_task_is_a_conflict_for_anyone_else_until_the_lease_lapses(client, admin_headers, clock, ids):
    task = await create(client, admin_headers, ids[:1])
    assert (await patch(client, admin_headers, task["id"], action="claim", reviewer="alice")).status_code == 200

    taken = await patch(client, admin_headers, task["id"], action="claim", reviewer="bob")
    blocked = await decide(client, admin_headers, task["id"], outcome="approve", reviewer="bob")
    clock.advance(minutes=16)
    lapsed = await patch(client, admin_headers, task["id"], action="claim", reviewer="bob")

    assert taken.status_code == blocked.status_code == 409
    assert "claimed by alice until 2026-06-01T09:15:00+00:00" in taken.json()["detail"]
    assert lapsed.status_code == 200
    assert lapsed.json()["claim"]["reviewer"] == "bob"


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ({"action": "claim"}, "reviewer"),
        ({"action": "claim", "reviewer": "   "}, "reviewer"),
        ({"action": "assign"}, "assignee"),
        ({"action": "shred"}, "action"),
        ({"reviewer": "alice"}, "action"),
    ],
)
async def test_a_bad_change_is_400_naming_the_field(client, admin_headers, clock, ids, body, names):
    task = await create(client, admin_headers, ids[:1])

    response = await patch(client, admin_headers, task["id"], **body)

    assert response.status_code == 400, response.text
    assert names in response.text


async def test_the_assignee_filter_compares_names_without_case(client, admin_headers, clock, ids):
    # Reviewer names are one person whatever their case (gateway/review/people.py): so is the filter.
    first = await create(client, admin_headers, ids[:1], priority="high")
    second = await create(client, admin_headers, ids[1:2], priority="low")
    other = await create(client, admin_headers, ids[2:], priority="medium")
    await patch(client, admin_headers, first["id"], action="assign", assignee="Straße", reviewer="lead")
    await patch(client, admin_headers, second["id"], action="assign", assignee="STRASSE", reviewer="lead")
    await patch(client, admin_headers, other["id"], action="assign", assignee="carol", reviewer="lead")

    response = await client.get("/api/reviews", params={"assignee": "strasse"}, headers=admin_headers)

    assert response.status_code == 200, response.text
    assert [task["id"] for task in response.json()["data"]] == [first["id"], second["id"]]


async def test_assign_and_unassign_record_who_did_it(client, admin_headers, clock, ids):
    task = await create(client, admin_headers, ids[:1])

    assigned = await patch(client, admin_headers, task["id"], action="assign", assignee="carol", reviewer="lead")
    unassigned = await patch(client, admin_headers, task["id"], action="unassign")

    assert assigned.json()["assignee"] == "carol"
    assert unassigned.json()["assignee"] is None
    assert [(e["kind"], e["actor"], e["detail"]) for e in unassigned.json()["events"][1:]] == [
        ("assigned", "lead", {"from": None, "to": "carol"}),
        ("assigned", "admin-token", {"from": "carol", "to": None}),
    ]


async def test_assigning_the_current_assignee_again_answers_the_task_unchanged(client, admin_headers, clock, ids):
    task = await create(client, admin_headers, ids[:1])
    assigned = await patch(client, admin_headers, task["id"], action="assign", assignee="carol", reviewer="lead")

    again = await patch(client, admin_headers, task["id"], action="assign", assignee="carol", reviewer="dora")

    assert again.status_code == 200, again.text
    assert again.json() == assigned.json()


async def test_a_task_is_dismissed_and_reopened_once_each(client, admin_headers, clock, ids):
    task = await create(client, admin_headers, ids[:1])

    dismissed = await patch(client, admin_headers, task["id"], action="dismiss", note="duplicate")
    dismissed_again = await patch(client, admin_headers, task["id"], action="dismiss")
    reopened = await patch(client, admin_headers, task["id"], action="reopen", note="not a duplicate")
    reopened_again = await patch(client, admin_headers, task["id"], action="reopen")

    assert (dismissed.json()["status"], reopened.json()["status"]) == ("dismissed", "open")
    assert (dismissed_again.status_code, reopened_again.status_code) == (409, 409)
    assert "is dismissed" in dismissed_again.json()["detail"]
    assert "already open" in reopened_again.json()["detail"]


async def test_a_task_is_made_to_need_a_second_opinion(client, admin_headers, clock, ids):
    task = await create(client, admin_headers, ids[:1])

    asked = await patch(client, admin_headers, task["id"], action="second_opinion", reviewer="rita", note="policy")

    assert asked.status_code == 200, asked.text
    assert asked.json()["second_opinion"] is True


# -- decisions -----------------------------------------------------------------------------


async def test_a_correction_resolves_the_task(client, admin_headers, clock, ids):
    task = await create(client, admin_headers, ids[:1])

    response = await decide(
        client,
        admin_headers,
        task["id"],
        outcome="correct",
        reviewer="alice",
        correction="The fee is 1%.",
        comment="old",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["outcome"]) == ("resolved", "correct")
    assert body["decisions"][0]["correction"] == "The fee is 1%."


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ({"outcome": "correct", "reviewer": "alice"}, "correction"),
        ({"outcome": "approve", "reviewer": "alice", "correction": "x"}, "correction"),
        ({"outcome": "maybe", "reviewer": "alice"}, "outcome"),
        ({"outcome": "approve"}, "reviewer"),
    ],
)
async def test_a_bad_decision_is_400_naming_the_field(client, admin_headers, clock, ids, body, names):
    task = await create(client, admin_headers, ids[:1])

    response = await decide(client, admin_headers, task["id"], **body)

    assert response.status_code == 400, response.text
    assert names in response.text


@pytest.mark.parametrize("blank", ["\u3000\u3000", "\u200b"])
async def test_a_correction_that_says_nothing_is_400_naming_the_correction(client, admin_headers, clock, ids, blank):
    task = await create(client, admin_headers, ids[:1])

    response = await decide(client, admin_headers, task["id"], outcome="correct", reviewer="alice", correction=blank)

    assert response.status_code == 400, response.text
    assert "outcome 'correct' needs 'correction'" in response.text


async def test_deciding_a_resolved_task_is_a_conflict(client, admin_headers, clock, ids):
    task = await create(client, admin_headers, ids[:1])
    await decide(client, admin_headers, task["id"], outcome="approve", reviewer="alice")

    response = await decide(client, admin_headers, task["id"], outcome="reject", reviewer="bob")

    assert response.status_code == 409
    assert "is resolved" in response.json()["detail"]


async def test_a_correction_in_feedback_is_attached_to_the_suggestion(client, admin_headers, gateway, clock, ids):
    await give_feedback(gateway.services.engine, ids[0], correction="The fee is 1%.")

    task = await create(client, admin_headers, ids[:1])

    assert task["suggested_action"]["kind"] == "add_knowledge_base_entry"
    assert task["suggested_action"]["corrections"][0]["text"] == "The fee is 1%."


# -- stats and schema ------------------------------------------------------------------------


async def test_stats_report_the_service_levels(client, admin_headers, clock, ids):
    task = await create(client, admin_headers, ids[:1], priority="high")
    clock.advance(hours=2)
    await decide(client, admin_headers, task["id"], outcome="approve", reviewer="alice")

    response = await client.get("/api/reviews/stats?app=support-bot", headers=admin_headers)

    assert response.status_code == 200
    body = response.json()
    assert (body["opened"], body["resolved"], body["within_deadline_rate"]) == (1, 1, 1.0)
    assert body["median_seconds_to_resolve"] == 7200
    assert body["decisions_by_reviewer"] == {"alice": 1}
    assert body["waiting_by_priority"] == {"high": 0, "medium": 0, "low": 0}
    assert body["agreement"] == {"pairs": 0, "agreed": 0, "rate": None}


async def test_stats_refuse_a_backwards_range(client, admin_headers, clock):
    response = await client.get(
        "/api/reviews/stats?since=2026-06-02T00:00:00Z&until=2026-06-01T00:00:00Z", headers=admin_headers
    )

    assert response.status_code == 400
    assert "since" in response.text


async def test_the_openapi_schema_shows_every_review_route(client, clock):
    paths = (await client.get("/schema/openapi.json")).json()["paths"]

    assert set(paths["/api/reviews"]) == {"get", "post"}
    assert set(paths["/api/reviews/{task_id}"]) == {"get", "patch"}
    assert set(paths["/api/reviews/{task_id}/decision"]) == {"post"}
    assert set(paths["/api/reviews/stats"]) == {"get"}
