"""Erasure on request: every row about one end user goes, other users' rows stay, and the audit log says so."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from privacy_seed import (
    add_feedback,
    add_issue,
    add_task,
    count_where,
    issue_row,
    preview_items,
    rows_about,
    seed_complaint,
)
from sqlalchemy import select

from clustering.documents import DEFAULT_RECIPE
from gateway.privacy.erasure import erase_end_user, user_subject
from gateway.store.tables import (
    audit_log,
    feedback,
    interactions,
    review_task_interactions,
    review_task_tags,
    review_tasks,
)

WHEN = datetime.now(UTC) - timedelta(hours=1)
RECIPES = (DEFAULT_RECIPE,)


async def seed_two_users(engine):
    """alice: two complaints, one in an issue with bob's, one in a task of its own; she also rated bob's answer."""
    alice_one = await seed_complaint(engine, "alice", "my card 4111 was charged twice", WHEN)
    alice_two = await seed_complaint(engine, "alice", "I moved to 12 Elm Street", WHEN)
    bob = await seed_complaint(engine, "bob", "how do I reset my pin", WHEN)
    await add_feedback(engine, bob.interaction_id, "alice", "alice thinks this is wrong too")
    issue_id = await add_issue(engine, [alice_one.interaction_id, bob.interaction_id], negative_count=3)
    alone_task = await add_task(engine, [alice_two.interaction_id])
    issue_task = await add_task(engine, [alice_one.interaction_id, bob.interaction_id], issue_id=issue_id)
    return alice_one, alice_two, bob, issue_id, alone_task, issue_task


NOTHING_LEFT = {
    "interactions": 0,
    "feedback": 0,
    "issue_members": 0,
    "review_task_links": 0,
    "reduction_points": 0,
    "embeddings": 0,
    "feedback_map_points": 0,
    "feedback_token_uses": 0,
}


async def test_erase_removes_every_row_about_the_users_interactions(engine):
    alice_one, alice_two, *_ = await seed_two_users(engine)

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    assert [await rows_about(engine, alice_one), await rows_about(engine, alice_two)] == [NOTHING_LEFT, NOTHING_LEFT]


async def test_erase_leaves_other_users_rows(engine):
    _, _, bob, *_ = await seed_two_users(engine)

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    assert await rows_about(engine, bob) == {
        "interactions": 1,
        "feedback": 1,
        "issue_members": 1,
        "review_task_links": 1,
        "reduction_points": 1,
        "feedback_map_points": 1,
        "feedback_token_uses": 1,
        "embeddings": len(bob.cache_keys),
    }


async def test_erase_removes_feedback_the_user_gave_on_other_interactions(engine):
    await seed_two_users(engine)

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    assert await count_where(engine, feedback.c.user_id, ["alice"]) == 0


async def test_erase_recounts_issues_from_what_remains_and_drops_copies_of_the_users_texts(engine):
    _alice_one, _, _bob, issue_id, *_ = await seed_two_users(engine)

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    issue = await issue_row(engine, issue_id)
    # bob's own complaint is left; alice's complaints on her answer and on bob's are gone.
    assert (issue["size"], issue["negative_count"]) == (1, 1)
    # bob's example and preview item go too: alice commented on his answer, and its copies may quote her.
    assert issue["examples"] == []
    assert await preview_items(engine, issue_id) == []


async def test_a_task_left_about_nobody_goes_and_an_issue_task_stays_without_the_users_links(engine):
    _alice_one, _, bob, _, alone_task, issue_task = await seed_two_users(engine)

    report = await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    assert report.counts.review_tasks == 1
    assert await count_where(engine, review_tasks.c.id, [alone_task, issue_task]) == 1
    assert await count_where(engine, review_task_tags.c.task_id, [alone_task]) == 0
    async with engine.connect() as connection:
        links = (await connection.execute(select(review_task_interactions.c.interaction_id))).scalars().all()
    assert links == [bob.interaction_id]


async def test_erase_appends_an_audit_record_of_who_when_and_how_many_but_not_whom_or_what(engine):
    await seed_two_users(engine)

    report = await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    async with engine.connect() as connection:
        record = (
            (await connection.execute(select(audit_log).where(audit_log.c.seq == report.audit_seq))).mappings().one()
        )
    assert (record["actor"], record["action"], record["subject_type"]) == ("dpo", "privacy.erasure", "end_user")
    assert record["subject_id"] == await user_subject(engine, "alice")
    assert record["detail"] == {"via": "test", "removed": report.counts.as_dict()}
    assert report.counts.interactions == 2 and report.counts.feedback == 3
    written = orjson.dumps(list(record.values()), default=str).lower()
    assert b"alice" not in written and b"elm street" not in written


def run_cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", *args],
        env={**os.environ, "FEEDGATE_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_cli_erase_removes_the_user_and_names_the_actor_in_the_audit_log(database_url, engine):
    alice_one, alice_two, bob, *_ = await seed_two_users(engine)

    result = run_cli(database_url, "erase", "--user", "alice", "--actor", "dpo@bank")

    assert result.returncode == 0, result.stderr
    assert "interactions 2" in result.stdout
    ids = [alice_one.interaction_id, alice_two.interaction_id, bob.interaction_id]
    assert await count_where(engine, interactions.c.id, ids) == 1
    async with engine.connect() as connection:
        actors = (
            (await connection.execute(select(audit_log.c.actor).where(audit_log.c.action == "privacy.erasure")))
            .scalars()
            .all()
        )
    assert actors == ["dpo@bank"]


async def test_cli_erase_of_an_empty_user_says_what_to_fix(database_url):
    result = run_cli(database_url, "erase", "--user", "  ")

    assert result.returncode == 2
    assert "feedgate: '--user' is blank: give the end user's id as the interactions name it" in result.stderr


async def test_api_erasure_removes_the_user_and_answers_with_the_counts(client, admin_headers, engine):
    alice_one, alice_two, bob, *_ = await seed_two_users(engine)

    response = await client.post("/api/erasures", json={"user": "alice"}, headers=admin_headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["removed"]["interactions"], body["removed"]["feedback"]) == (2, 3)
    ids = [alice_one.interaction_id, alice_two.interaction_id, bob.interaction_id]
    assert await count_where(engine, interactions.c.id, ids) == 1


async def test_api_erasure_with_an_unknown_field_erases_nothing(client, admin_headers, engine):
    await seed_two_users(engine)

    refused = await client.post("/api/erasures", json={"user": "alice", "dry_run": True}, headers=admin_headers)
    erased = await client.post("/api/erasures", json={"user": "alice"}, headers=admin_headers)

    assert refused.status_code == 400
    assert erased.json()["removed"]["interactions"] == 2


async def test_api_erasure_is_recorded_under_the_admin_token(client, admin_headers, engine):
    response = await client.post("/api/erasures", json={"user": "alice"}, headers=admin_headers)

    async with engine.connect() as connection:
        record = (await connection.execute(select(audit_log.c.actor, audit_log.c.seq))).one()
    assert (record.actor, record.seq) == ("admin-token", response.json()["audit_seq"])


async def test_api_erasure_needs_the_admin_token(client):
    response = await client.post("/api/erasures", json={"user": "alice"})

    assert response.status_code == 401


async def test_api_erasure_of_a_user_with_a_nul_is_a_400_and_audits_nothing(client, admin_headers, engine):
    # PostgreSQL keeps no NUL: the lookup failed there as a 500, and SQLite audited an erasure of nobody.
    response = await client.post("/api/erasures", json={"user": "a\x00b"}, headers=admin_headers)

    assert response.status_code == 400
    assert "user must not contain a NUL character" in response.text
    async with engine.connect() as connection:
        assert (await connection.execute(select(audit_log.c.seq))).first() is None


async def test_api_erasure_without_a_user_is_a_400_that_names_the_field(client, admin_headers):
    response = await client.post("/api/erasures", json={"user": ""}, headers=admin_headers)

    assert response.status_code == 400
    assert "user" in response.text


@pytest.mark.parametrize("blank", ["", "   ", "\u200b", "\u3000", "\u2060\ufeff"])
async def test_api_erasure_of_a_blank_user_is_a_400_that_says_what_to_send(client, admin_headers, blank):
    # Blank by the one rule (gateway/domain/blank_text.py), in its words; it said "(non-empty text)".
    response = await client.post("/api/erasures", json={"user": blank}, headers=admin_headers)

    assert response.status_code == 400
    assert response.json()["detail"] == "'user' is blank: give the end user's id as the interactions name it"
