"""Revision 0046: end-user ids stored with blank ends, from before end_user_id trimmed them, lose them.

Erasing "user-8" looked up "user-8" alone (no index holds a trimmed id), so the rows stored as " user-8 " stayed.
The revision trims interactions.end_user and feedback.user_id by the one blank rule (gateway.domain.blank_text),
which is neither SQLite's trim() (spaces alone) nor str.strip (which keeps U+200B): each stored id must come out as
end_user_id reads it today.
"""

from __future__ import annotations

from datetime import UTC, datetime

import test_migration_revisions
from test_migration_revisions import UpgradedFrom, selected

from gateway.privacy.erasure import erase_end_user
from gateway.recording.identifiers import IDENTIFIER_CHARS, end_user_id, fitted_identifier
from gateway.store.tables.search_index import SQLITE_SEARCH_TABLE, SQLITE_SEARCH_VIEW

INTERACTION = (
    "INSERT INTO interactions (id, created_at, app, endpoint, upstream, stream, partial, end_user)"
    " VALUES (:id, :at, 'bank', 'chat.completions', 'default', false, false, :end_user)"
)
FEEDBACK = (
    "INSERT INTO feedback (id, interaction_id, created_at, app, user_id, thumbs, negative, submitted_via)"
    " VALUES (:id, :interaction_id, :at, 'bank', :user_id, :thumbs, :negative, 'app')"
)
# The database at the revision before, given rows, then upgraded to head (the revisions' tests' fixture).
upgraded_from = test_migration_revisions.upgraded_from
SEARCH_INDEXED = (
    f"INSERT INTO {SQLITE_SEARCH_TABLE} (rowid, user_text, answer_text)"
    f" SELECT interaction_rowid, user_text, answer_text FROM {SQLITE_SEARCH_VIEW}"
)
AT = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
# id as stored before: (what the revision leaves)
STORED = {
    "spaces": " user-8 ",
    "zero-width space": "user-8\u200b",
    "ideographic space and tab": "\u3000user-9\t",
    "byte order mark": "\ufeffuser-10",
    "no-break space": "user-11\u00a0",
    "left-to-right mark kept": " \u200euser-12 ",
    "inner spaces kept": "user 13",
    "none": None,
}


def interaction_rows(ids: dict[str, str | None]) -> list[dict[str, object]]:
    return [{"id": name, "at": AT, "end_user": user} for name, user in ids.items()]


async def test_revision_0046_trims_stored_end_users_as_end_user_id_reads_them(upgraded_from: UpgradedFrom):
    engine = await upgraded_from("0045", (INTERACTION, interaction_rows(STORED)))

    trimmed = dict(await selected(engine, "SELECT id, end_user FROM interactions"))

    assert trimmed == {name: None if user is None else end_user_id(user) for name, user in STORED.items()}
    assert trimmed["left-to-right mark kept"] == "\u200euser-12"


async def test_revision_0046_trims_the_users_stored_with_feedback(upgraded_from: UpgradedFrom):
    events = [
        {"id": f"f-{name}", "interaction_id": "answer", "at": AT, "user_id": user, "thumbs": "up", "negative": False}
        for name, user in STORED.items()
    ]
    engine = await upgraded_from("0045", (INTERACTION, interaction_rows({"answer": "bob"})), (FEEDBACK, events))

    trimmed = dict(await selected(engine, "SELECT id, user_id FROM feedback"))

    assert trimmed == {f"f-{name}": None if user is None else end_user_id(user) for name, user in STORED.items()}


async def test_revision_0046_leaves_an_id_of_blank_characters_alone(upgraded_from: UpgradedFrom):
    # It names nobody: end_user_id reads it as no end user, and an erasure refuses it.
    engine = await upgraded_from("0045", (INTERACTION, interaction_rows({"blank": "\u200b "})))

    assert await selected(engine, "SELECT end_user FROM interactions") == [("\u200b ",)]


async def test_revision_0046_leaves_a_long_id_fitted_with_its_blank_ends_alone(upgraded_from: UpgradedFrom):
    # Fitted whole, spaces and all: the hash is of the id with its ends, which is not kept, so the id the proxy now
    # stores (the trimmed id, fitted) cannot be worked out. Trimmed, it would name nobody at all.
    fitted = fitted_identifier(" " + "u" * IDENTIFIER_CHARS)
    engine = await upgraded_from("0045", (INTERACTION, interaction_rows({"long": fitted})))

    assert await selected(engine, "SELECT end_user FROM interactions") == [(fitted,)]


async def test_revision_0046_keeps_both_events_of_a_user_stored_in_two_forms(upgraded_from: UpgradedFrom):
    # Two voters before, one after: nothing is lost or doubled, and the later event is the user's current one.
    events = [
        {
            "id": "earlier",
            "interaction_id": "answer",
            "at": AT,
            "user_id": " user-8 ",
            "thumbs": "up",
            "negative": False,
        },
        {
            "id": "later",
            "interaction_id": "answer",
            "at": AT.replace(hour=10),
            "user_id": "user-8",
            "thumbs": "down",
            "negative": True,
        },
    ]
    engine = await upgraded_from("0045", (INTERACTION, interaction_rows({"answer": "bob"})), (FEEDBACK, events))

    assert await selected(engine, "SELECT id, user_id FROM feedback ORDER BY id") == [
        ("earlier", "user-8"),
        ("later", "user-8"),
    ]


async def test_revision_0046_marks_the_days_of_changed_feedback_stale(upgraded_from: UpgradedFrom):
    # Which event counts is each voter's latest: two voters becoming one can change a day's counts.
    event = {"id": "e", "interaction_id": "answer", "at": AT, "user_id": " user-8 ", "thumbs": "up", "negative": False}
    engine = await upgraded_from(
        "0045",
        (INTERACTION, interaction_rows({"answer": "bob", "untouched": "carol"})),
        (FEEDBACK, [event]),
        ("DELETE FROM daily_stats_stale", {}),  # every day's roll-up up to date before the upgrade
    )

    assert await selected(engine, "SELECT day, app FROM daily_stats_stale") == [("2026-11-01", "bank")]


async def test_after_revision_0046_erasing_the_trimmed_id_erases_the_rows_stored_with_blank_ends(
    upgraded_from: UpgradedFrom, fresh_database_url: str
):
    events = [
        {"id": "given", "interaction_id": "answer", "at": AT, "user_id": "\tuser-8", "thumbs": "up", "negative": False}
    ]
    inserts = [(INTERACTION, interaction_rows({"answer": "bob", "own": " user-8 "})), (FEEDBACK, events)]
    if fresh_database_url.startswith("sqlite"):
        # Rows inserted by hand are in SQLite's search index only once indexed as the store does; their delete needs it.
        inserts.append((SEARCH_INDEXED, {}))
    engine = await upgraded_from("0045", *inserts)

    await erase_end_user(engine, "user-8", "dpo", [], via="test")

    assert (
        await selected(engine, "SELECT id FROM interactions"),
        await selected(engine, "SELECT id FROM feedback"),
    ) == ([("answer",)], [])
