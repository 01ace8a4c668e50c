"""What each revision does to the rows stored before it, on both databases: upgraded from the revision before."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.label import MAX_ISSUE_TITLE, capped_title
from gateway.accounts.records import Role, User
from gateway.audit.records import AuditEntry
from gateway.store.engine import create_engine
from gateway.store.interactions import InteractionStore
from gateway.store.knowledge_search import search_text, tag_text
from gateway.store.migrate import upgrade_database
from gateway.store.users import UserStore

# A statement and its parameters (one row's, or a list for several rows).
Insert = tuple[str, dict[str, Any] | list[dict[str, Any]]]
UpgradedFrom = Callable[..., Awaitable[AsyncEngine]]


@pytest.fixture
async def upgraded_from(fresh_database_url: str) -> AsyncIterator[UpgradedFrom]:
    """`await upgraded_from(revision, *inserts)`: the database migrated to `revision`, given those rows, then
    upgraded to head; its engine (disposed after the test) is returned for the test's reads."""
    engine: AsyncEngine | None = None

    async def upgraded(revision: str, *inserts: Insert) -> AsyncEngine:
        nonlocal engine
        await asyncio.to_thread(upgrade_database, fresh_database_url, revision)
        engine = create_engine(fresh_database_url)
        async with engine.begin() as connection:
            for statement, parameters in inserts:
                await connection.execute(text(statement), parameters)
        await asyncio.to_thread(upgrade_database, fresh_database_url)
        return engine

    yield upgraded
    if engine is not None:
        await engine.dispose()


async def selected(engine: AsyncEngine, query: str) -> list[tuple[Any, ...]]:
    """The rows `query` selects, as tuples."""
    async with engine.connect() as connection:
        return [tuple(row) for row in await connection.execute(text(query))]


DAILY_STATS = (
    "INSERT INTO daily_stats (day, app, model, interactions, answers, feedback, interactions_with_feedback, positive, "
    "negative, corrections, rating_count, rating_sum, delays, refreshed_at) "
    "VALUES (:day, 'bot', :model, 1, 1, 0, 0, 0, 0, 0, 0, 0, '[]', CURRENT_TIMESTAMP)"
)


async def test_revision_0023_marks_every_day_with_a_roll_up_stale_once(upgraded_from: UpgradedFrom):
    days = [
        {"day": day, "model": model} for day, model in (("2026-11-01", "a"), ("2026-11-01", "b"), ("2026-11-02", "a"))
    ]
    stale = ("INSERT INTO daily_stats_stale (day, app) VALUES ('2026-11-02', 'bot')", {})
    engine = await upgraded_from("0022", (DAILY_STATS, days), stale)

    assert await selected(engine, "SELECT day, app FROM daily_stats_stale ORDER BY day") == [
        ("2026-11-01", "bot"),
        ("2026-11-02", "bot"),
    ]


async def test_revision_0025_cuts_issue_titles_stored_past_the_cap_as_clustering_does(upgraded_from: UpgradedFrom):
    long_title = "Card   payment declined " * 20
    issues = (
        "INSERT INTO issues (id, app, title, status, regressed, size, negative_count, created_at, updated_at) "
        "VALUES (:id, 'bot', :title, 'open', false, 3, 3, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        [{"id": "long", "title": long_title}, {"id": "short", "title": "Card declined"}],
    )
    engine = await upgraded_from("0024", issues)

    titles = dict(await selected(engine, "SELECT id, title FROM issues"))
    assert titles == {"long": capped_title(long_title), "short": "Card declined"}
    assert len(titles["long"]) == MAX_ISSUE_TITLE


async def test_revision_0031_gives_every_knowledge_entry_its_folded_search_text(upgraded_from: UpgradedFrom):
    entry = (
        "INSERT INTO knowledge_entries (id, app, title, content, example_questions, tags, active, version, author, "
        "created_at, updated_at) VALUES ('e1', 'bank', 'Straße', 'Closed.', :questions, '[]', true, 1, 'alice', "
        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        {"questions": '["Where IS it?", "Why \\"closed\\"?"]'},
    )
    engine = await upgraded_from("0030", entry)

    [(stored,)] = await selected(engine, "SELECT search_text FROM knowledge_entries")
    assert stored == search_text("Straße", "Closed.", ["Where IS it?", 'Why "closed"?'])
    assert stored == 'strasse\x1fclosed.\x1fwhere is it?\x1fwhy "closed"?'


async def test_revision_0035_gives_every_knowledge_entry_its_folded_tag_text(upgraded_from: UpgradedFrom):
    entries = (
        "INSERT INTO knowledge_entries (id, app, title, content, example_questions, tags, active, version, author, "
        "created_at, updated_at, search_text) VALUES (:id, 'bank', 'T', 'C.', '[]', :tags, true, 1, 'alice', "
        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 't')",
        [{"id": "e1", "tags": '["Straße", "Cards"]'}, {"id": "e2", "tags": "[]"}],
    )
    engine = await upgraded_from("0034", entries)

    stored = dict(await selected(engine, "SELECT id, tag_text FROM knowledge_entries ORDER BY id"))
    assert stored == {"e1": tag_text(["Straße", "Cards"]), "e2": tag_text([])}
    assert stored["e1"] == "\x1fstrasse\x1fcards\x1f"


async def test_revision_0032_keeps_a_pair_of_names_in_two_cases_and_refuses_a_third(upgraded_from: UpgradedFrom):
    users = (
        "INSERT INTO admin_users (id, name, role, password_hash, created_at, updated_at) "
        "VALUES (:id, :name, 'viewer', 'hash', :at, :at)",
        [
            {"id": user_id, "name": name, "at": datetime.fromisoformat(at)}
            for user_id, name, at in (
                ("u2", "alice", "2026-11-02"),
                ("u1", "Alice", "2026-11-01"),
                ("u3", "bo", "2026-11-03"),
            )
        ],
    )
    engine = await upgraded_from("0031", users)

    keys = dict(await selected(engine, "SELECT name, name_key FROM admin_users"))
    now = datetime.now(UTC)
    third = User("u4", "ALICE", Role.VIEWER, now, now, None, None)
    stored = await UserStore(engine).insert(third, "hash", AuditEntry("cli", "user.create", "user", "ALICE"))
    assert keys == {"Alice": "alice", "alice": None, "bo": "bo"}
    assert stored is False


async def test_revision_0037_numbers_existing_rows_by_time_then_id_and_new_ones_after_them(upgraded_from: UpgradedFrom):
    times = {"c": datetime(2026, 1, 1, tzinfo=UTC), "a": datetime(2026, 1, 2, tzinfo=UTC)}
    interactions = (
        "INSERT INTO interactions (id, created_at, app, endpoint, upstream, stream, partial)"
        " VALUES (:id, :at, 'bank', 'chat.completions', 'default', false, false)",
        [{"id": row_id, "at": times[row_id[0]]} for row_id in ("a2", "c", "a1")],
    )
    feedback = (
        "INSERT INTO feedback (id, interaction_id, created_at, app, negative, submitted_via)"
        " VALUES (:id, 'c', :at, 'bank', true, 'app')",
        [{"id": "later", "at": times["a"]}, {"id": "earlier", "at": times["c"]}],
    )
    engine = await upgraded_from("0036", interactions, feedback)
    await InteractionStore(engine).insert_many(
        [{"id": "new", "created_at": times["c"], "app": "bank", "endpoint": "e", "upstream": "default"}]
    )

    assert await selected(engine, "SELECT id, stored_seq FROM interactions ORDER BY stored_seq") == [
        ("c", 1),
        ("a1", 2),
        ("a2", 3),
        ("new", 4),
    ]
    assert await selected(engine, "SELECT id, stored_seq FROM feedback ORDER BY stored_seq") == [
        ("earlier", 1),
        ("later", 2),
    ]
    # Revision 0041 adds the review decisions' head (0 here).
    heads = dict(await selected(engine, "SELECT name, seq FROM stored_order_heads"))
    assert heads == {"interactions": 4, "feedback": 2, "review_decisions": 0}


async def test_revision_0040_gives_every_review_task_tag_its_folded_key(upgraded_from: UpgradedFrom):
    tags = (
        "INSERT INTO review_task_tags (task_id, tag) VALUES (:task_id, :tag)",
        [{"task_id": "t1", "tag": "Straße"}, {"task_id": "t1", "tag": "Cards"}, {"task_id": "t2", "tag": "Cards"}],
    )
    engine = await upgraded_from("0039", tags)

    assert await selected(engine, "SELECT task_id, tag, tag_key FROM review_task_tags ORDER BY task_id, tag") == [
        ("t1", "Cards", "cards"),
        ("t1", "Straße", "strasse"),
        ("t2", "Cards", "cards"),
    ]


async def test_revision_0038_keeps_each_triggers_webhook_origin_alone(upgraded_from: UpgradedFrom):
    triggers = (
        "INSERT INTO retrain_triggers (id, created_at, total_examples, new_examples, threshold, webhook_url) "
        "VALUES (:id, CURRENT_TIMESTAMP, 3, 3, 3, :url)",
        [
            {"id": "t1", "url": "https://hooks.example.test/services/T0/B0/XyzSecret"},
            {"id": "t2", "url": "http://user:pw@ml.internal:8080/retrain?token=tok3n"},
            {"id": "t3", "url": "https://ml.example.test"},
        ],
    )
    engine = await upgraded_from("0037", triggers)

    assert dict(await selected(engine, "SELECT id, webhook_origin FROM retrain_triggers ORDER BY id")) == {
        "t1": "https://hooks.example.test",
        "t2": "http://ml.internal:8080",
        "t3": "https://ml.example.test",
    }


async def test_revision_0041_numbers_existing_review_decisions_by_time_then_id_and_sets_their_head(
    upgraded_from: UpgradedFrom,
):
    times = {"c": datetime(2026, 1, 1, tzinfo=UTC), "a": datetime(2026, 1, 2, tzinfo=UTC)}
    decisions = (
        "INSERT INTO review_decisions (id, task_id, round, reviewer, outcome, created_at)"
        " VALUES (:id, 't1', 1, 'alice', 'approve', :at)",
        [{"id": decision_id, "at": times[decision_id[0]]} for decision_id in ("a2", "c", "a1")],
    )
    engine = await upgraded_from("0040", decisions)

    assert await selected(engine, "SELECT id, stored_seq FROM review_decisions ORDER BY stored_seq") == [
        ("c", 1),
        ("a1", 2),
        ("a2", 3),
    ]
    assert dict(await selected(engine, "SELECT name, seq FROM stored_order_heads"))["review_decisions"] == 3


async def test_revision_0042_says_every_earlier_review_decision_judged_the_first_choice(upgraded_from: UpgradedFrom):
    decisions = (
        "INSERT INTO review_decisions (id, task_id, round, reviewer, outcome, correction, created_at)"
        " VALUES (:id, 't1', 1, 'alice', :outcome, :correction, CURRENT_TIMESTAMP)",
        [
            {"id": "d1", "outcome": "approve", "correction": None},
            {"id": "d2", "outcome": "correct", "correction": "The fee is 1%."},
        ],
    )
    engine = await upgraded_from("0041", decisions)

    assert await selected(engine, "SELECT id, outcome, choice FROM review_decisions ORDER BY id") == [
        ("d1", "approve", 0),
        ("d2", "correct", 0),
    ]


async def test_revision_0044_records_where_each_earlier_answer_lists_its_choices_when_not_at_their_numbers(
    upgraded_from: UpgradedFrom,
):
    listings: dict[str, Any] = {
        "reversed": {"choices": [{"index": 1}, {"index": 0}]},
        "rotated": {"choices": [{"index": 1}, {"index": 2}, {"index": 0}]},
        "whole floats": {"choices": [{"index": 1.0}, {"index": 0.0}]},
        "in order": {"choices": [{"index": 0}, {"index": 1}]},
        "one choice": {"choices": [{"index": 0}]},
        "an index twice": {"choices": [{"index": 1}, {"index": 1}]},
        "not an object first": {"choices": ["stray", {"index": 0}]},
        "choices not a list": {"choices": {"0": {"index": 1}, "1": {"index": 0}}},
        "no choices": {"output": []},
        "a string": "text",
    }
    rows = [{"id": name, "response": json.dumps(response)} for name, response in listings.items()]
    interactions = (
        "INSERT INTO interactions (id, created_at, app, endpoint, upstream, stream, partial, response)"
        " VALUES (:id, CURRENT_TIMESTAMP, 'bank', 'chat.completions', 'default', false, false, :response)",
        [*rows, {"id": "no answer", "response": None}],
    )
    engine = await upgraded_from("0043", interactions)

    recorded = dict(await selected(engine, "SELECT id, choice_positions FROM interactions"))

    # SQLite gives the JSON text, PostgreSQL's driver the decoded value.
    decoded = {name: json.loads(value) if isinstance(value, str) else value for name, value in recorded.items()}
    assert {name: value for name, value in decoded.items() if value is not None} == {
        "reversed": [1, 0],
        "rotated": [2, 0, 1],
        "whole floats": [1, 0],
    }
    assert len(recorded) == len(listings) + 1


async def test_revision_0045_makes_blank_corrections_no_correction_and_recounts_their_days(upgraded_from: UpgradedFrom):
    # Stored before intake took the one blank rule (gateway.domain.blank_text): str.strip kept zero-width spaces, so
    # these were kept as corrections, and each made its feedback negative.
    interactions = (
        "INSERT INTO interactions (id, created_at, app, endpoint, upstream, stream, partial)"
        " VALUES (:id, :at, 'bank', 'chat.completions', 'default', false, false)",
        [
            {"id": "fixed", "at": datetime(2026, 11, 1, 23, 30, tzinfo=UTC)},
            {"id": "kept", "at": datetime(2026, 11, 2, 9, 0, tzinfo=UTC)},
        ],
    )
    signals: dict[str, tuple[str, str | None, int | None, str | None, bool]] = {
        # id: (interaction, thumbs, rating, correction, negative as stored)
        "blank alone": ("fixed", None, None, "\u200b", True),
        "blank with a thumbs-down": ("fixed", "down", None, " \u200b\u3000\n", True),
        "blank with a rating of 2": ("fixed", None, 2, "\ufeff", True),
        "blank with a thumbs-up": ("fixed", "up", 5, "\u2060\u200d", True),
        "said": ("kept", "up", None, " The fee is 1%.\u200b", True),
        "redacted": ("kept", None, None, "[redacted:email]", True),
        "none": ("kept", "up", None, None, False),
    }
    feedback = (
        "INSERT INTO feedback (id, interaction_id, created_at, app, thumbs, rating, correction, negative, submitted_via)"
        " VALUES (:id, :interaction_id, CURRENT_TIMESTAMP, 'bank', :thumbs, :rating, :correction, :negative, 'app')",
        [
            dict(
                zip(("id", "interaction_id", "thumbs", "rating", "correction", "negative"), (row_id, *row), strict=True)
            )
            for row_id, row in signals.items()
        ],
    )
    # Both days' roll-ups are up to date before the upgrade.
    recounted = ("DELETE FROM daily_stats_stale", {})
    engine = await upgraded_from("0044", interactions, feedback, recounted)

    stored = {row[0]: row[1:] for row in await selected(engine, "SELECT id, correction, negative FROM feedback")}
    assert {row_id: (correction, bool(negative)) for row_id, (correction, negative) in stored.items()} == {
        "blank alone": (None, False),
        "blank with a thumbs-down": (None, True),
        "blank with a rating of 2": (None, True),
        "blank with a thumbs-up": (None, False),
        "said": (" The fee is 1%.\u200b", True),
        "redacted": ("[redacted:email]", True),
        "none": (None, False),
    }
    # The day whose feedback changed is recounted from the raw rows; the other's roll-up stands.
    assert await selected(engine, "SELECT day, app FROM daily_stats_stale") == [("2026-11-01", "bank")]
