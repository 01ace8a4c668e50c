"""Exporting the examples labelled since the last export in the order the labels were stored (`stored_after`).

An export by `since` misses a label stored after the previous export with a label time before it
(an imported correction, a post that waited in a spool): following the stored order reads it once,
and the next export not again (GET /api/export and `feedgate export`, SQLite and PostgreSQL).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from export_seed import give_feedback, review, review_service, store_chat
from run_cli import feedgate_export
from sqlalchemy import insert

from gateway.review.records import Outcome
from gateway.store.late_numbers import number_late_rows
from gateway.store.tables import feedback

NEXT = "x-feedgate-next-stored-after"
TOKEN_MESSAGE = "'stored_after' must be 'start', 'now' or the next stored_after of a previous export"


async def follow(client, admin_headers, token: str, **options: str) -> tuple[list[str], str]:
    """The interactions of the lines GET /api/export?format=jsonl&stored_after=token writes, and the next token."""
    params = {"format": "jsonl", "stored_after": token, **options}
    response = await client.get("/api/export", params=params, headers=admin_headers)
    assert response.status_code == 200, response.text
    return [json.loads(line)["interaction_id"] for line in response.text.splitlines()], response.headers[NEXT]


async def test_a_label_stored_late_with_an_old_time_is_exported_by_the_next_export_and_only_once(
    client, admin_headers, engine
):
    first = await store_chat(engine, "First question?")
    await give_feedback(engine, first, correction="First answer.")
    exported, token = await follow(client, admin_headers, "start")
    assert exported == [first]
    # Stored now, labelled two days ago: an export `since` the first one's time would never read it.
    late = await store_chat(engine, "Late question?")
    await give_feedback(engine, late, correction="Late answer.", at=datetime.now(UTC) - timedelta(days=2))
    reviewed = await store_chat(engine, "Reviewed question?", "Yes.")
    await review(review_service(engine), [reviewed], Outcome.APPROVE)

    exported, token = await follow(client, admin_headers, token)
    again, same_token = await follow(client, admin_headers, token)

    assert exported == [late, reviewed]
    assert (again, same_token) == ([], token)


async def test_now_exports_nothing_and_reads_on_from_the_labels_stored_afterwards(client, admin_headers, engine):
    before = await store_chat(engine, "Before?")
    await give_feedback(engine, before, correction="Before.")
    nothing, token = await follow(client, admin_headers, "now")
    after = await store_chat(engine, "After?")
    await give_feedback(engine, after, correction="After.")

    exported, _ = await follow(client, admin_headers, token)

    assert (nothing, exported) == ([], [after])


async def test_the_other_filters_narrow_a_followed_export(client, admin_headers, engine):
    support = await store_chat(engine, "Support?")
    await give_feedback(engine, support, correction="Support.")
    billing = await store_chat(engine, "Billing?", app="billing-bot")
    await give_feedback(engine, billing, app="billing-bot", correction="Billing.")

    assert (await follow(client, admin_headers, "start", app="billing-bot"))[0] == [billing]
    assert (await follow(client, admin_headers, "start", source="human_review"))[0] == []


@pytest.mark.parametrize("token", ["12", "start2", "x" * 200, "now "])
async def test_a_token_no_export_gave_is_a_400(client, admin_headers, token):
    response = await client.get("/api/export", params={"format": "chat", "stored_after": token}, headers=admin_headers)

    assert response.status_code == 400
    assert TOKEN_MESSAGE in response.json()["detail"]


async def test_a_feedback_listings_token_is_refused(client, admin_headers, engine):
    answered = await store_chat(engine)
    await give_feedback(engine, answered, correction="Fixed.")
    feedback = await client.get("/api/feedback", params={"stored_after": "start"}, headers=admin_headers)
    token = feedback.json()["next_stored_after"]

    response = await client.get("/api/export", params={"format": "chat", "stored_after": token}, headers=admin_headers)

    assert response.status_code == 400
    assert TOKEN_MESSAGE in response.json()["detail"]


@pytest.mark.parametrize("bound", ["since", "until"])
async def test_a_time_bound_with_stored_after_is_a_400(client, admin_headers, bound):
    params = {"format": "chat", "stored_after": "start", bound: "2026-06-01"}

    response = await client.get("/api/export", params=params, headers=admin_headers)

    assert response.status_code == 400
    assert f"'stored_after' reads app, source and fixes only: leave out '{bound}'" in response.json()["detail"]


async def test_the_command_says_the_next_token_and_takes_it_back(database_url, engine):
    first = await store_chat(engine, "First question?")
    await give_feedback(engine, first, correction="First answer.")
    run = feedgate_export(database_url, "--format", "jsonl", "--stored-after", "start")
    assert run.returncode == 0, run.stderr
    token = run.stderr.split("next --stored-after: ")[1].split()[0]
    late = await store_chat(engine, "Late question?")
    await give_feedback(engine, late, correction="Late answer.", at=datetime.now(UTC) - timedelta(days=2))

    following = feedgate_export(database_url, "--format", "jsonl", "--stored-after", token)

    assert following.returncode == 0, following.stderr
    assert [json.loads(line)["interaction_id"] for line in run.stdout.splitlines()] == [first]
    assert [json.loads(line)["interaction_id"] for line in following.stdout.splitlines()] == [late]


async def test_the_commands_token_is_the_apis(client, admin_headers, database_url, engine):
    first = await store_chat(engine, "First question?")
    await give_feedback(engine, first, correction="First answer.")
    _, token = await follow(client, admin_headers, "start")
    late = await store_chat(engine, "Late question?")
    await give_feedback(engine, late, correction="Late answer.")

    run = feedgate_export(database_url, "--format", "jsonl", "--stored-after", token)

    assert [json.loads(line)["interaction_id"] for line in run.stdout.splitlines()] == [late]


async def test_the_commands_json_summary_carries_the_next_token(database_url, engine):
    answered = await store_chat(engine)
    await give_feedback(engine, answered, correction="Fixed.")

    run = feedgate_export(database_url, "--format", "chat", "--stored-after", "start", log_format="json")

    summary = json.loads(run.stderr.strip().splitlines()[-1])
    assert run.returncode == 0, run.stderr
    assert summary["lines"] == 1
    assert summary["next_stored_after"]


def test_a_bad_token_on_the_command_line_is_refused_naming_the_option(database_url):
    run = feedgate_export(database_url, "--format", "chat", "--stored-after", "12")

    assert run.returncode == 2
    assert "--stored-after must be 'start', 'now' or the next stored_after of a previous export" in run.stderr


async def test_a_correction_an_older_gateway_stored_unnumbered_is_exported_once_a_round_numbers_it(
    client, admin_headers, engine
):
    first = await store_chat(engine, "First question?")
    await give_feedback(engine, first, correction="First answer.")
    _, token = await follow(client, admin_headers, "start")
    late = await store_chat(engine, "Asked of an older gateway?")
    # As a gateway from before migration 0037 stores an event: no stored_seq.
    async with engine.begin() as connection:
        await connection.execute(
            insert(feedback),
            {
                "id": "old-gateway-event",
                "interaction_id": late,
                "created_at": datetime.now(UTC),
                "app": "support-bot",
                "user_id": "user-1",
                "thumbs": "down",
                "correction": "Corrected on the older gateway.",
                "negative": True,
                "submitted_via": "app",
            },
        )
    unseen, same_token = await follow(client, admin_headers, token)

    await number_late_rows(engine)
    exported, _ = await follow(client, admin_headers, token)

    assert (unseen, same_token) == ([], token)
    assert exported == [late]
