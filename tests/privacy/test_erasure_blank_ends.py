"""Erasure finds an end user's rows stored with blank ends, from before end-user ids lost them.

Since end_user_id trims the blank ends, " user-8 " and "user-8" are one user, but rows stored before kept
theirs (migration 0046 trims most; some it cannot: docs/privacy.md). Erasing " user-8 " looked up "user-8" alone and missed them, where it had found them
before. It now looks up every form the given id may be stored under (gateway.recording.identifiers.end_user_forms):
as trimmed, and as given.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from privacy_seed import add_feedback, add_interaction, count_where, rows_about, seed_complaint
from sqlalchemy import select
from test_erasure import NOTHING_LEFT

from clustering.documents import DEFAULT_RECIPE
from gateway.privacy.erasure import erase_end_user, user_subject
from gateway.recording.identifiers import IDENTIFIER_CHARS, end_user_forms, fitted_identifier
from gateway.store.erased_users import ErasedUsers
from gateway.store.tables import audit_log, feedback, interactions

WHEN = datetime.now(UTC) - timedelta(hours=1)
RECIPES = (DEFAULT_RECIPE,)


def test_the_forms_of_an_id_with_blank_ends_are_the_trimmed_one_and_the_given_one():
    assert end_user_forms(" user-8\u200b ") == ("user-8", " user-8\u200b ")


def test_an_id_without_blank_ends_has_one_form():
    assert end_user_forms("user-8") == ("user-8",)


def test_a_long_ids_forms_are_fitted_as_the_proxy_fitted_them():
    long = " " + "u" * IDENTIFIER_CHARS

    assert end_user_forms(long) == (fitted_identifier("u" * IDENTIFIER_CHARS), fitted_identifier(long))


async def test_erasing_an_id_with_blank_ends_erases_the_rows_stored_with_them(engine):
    old = await seed_complaint(engine, " user-8 ", "my card 4111 was charged twice", WHEN)

    await erase_end_user(engine, " user-8 ", "dpo", RECIPES, via="test")

    assert await rows_about(engine, old) == NOTHING_LEFT


async def test_erasing_an_id_with_blank_ends_erases_the_rows_stored_trimmed(engine):
    new = await seed_complaint(engine, "user-8", "I moved to 12 Elm Street", WHEN)

    await erase_end_user(engine, " user-8 ", "dpo", RECIPES, via="test")

    assert await rows_about(engine, new) == NOTHING_LEFT


async def test_erasing_an_id_with_blank_ends_erases_the_feedback_given_with_them(engine):
    bob = await seed_complaint(engine, "bob", "how do I reset my pin", WHEN)
    await add_feedback(engine, bob.interaction_id, " user-8 ", "user-8 thinks this is wrong too")

    await erase_end_user(engine, " user-8 ", "dpo", RECIPES, via="test")

    assert await count_where(engine, feedback.c.user_id, [" user-8 "]) == 0


async def test_the_audit_record_names_the_trimmed_id_and_counts_both_forms(engine):
    await seed_complaint(engine, " user-8 ", "my card 4111 was charged twice", WHEN)
    await seed_complaint(engine, "user-8", "I moved to 12 Elm Street", WHEN)

    report = await erase_end_user(engine, " user-8 ", "dpo", RECIPES, via="test")

    async with engine.connect() as connection:
        record = (await connection.execute(select(audit_log).where(audit_log.c.seq == report.audit_seq))).one()
    assert (record.subject_id, record.detail["removed"]["interactions"], record.detail["removed"]["feedback"]) == (
        await user_subject(engine, "user-8"),
        2,
        2,
    )


async def test_a_late_row_stored_with_blank_ends_is_dropped_after_the_trimmed_id_is_erased(engine):
    # A spool file written before ids were trimmed holds " user-8 "; the erasure named "user-8".
    await erase_end_user(engine, "user-8", "dpo", RECIPES, via="test")

    await add_interaction(engine, " user-8 ", "my card 4111 was charged twice", WHEN)

    assert await count_where(engine, interactions.c.end_user, [" user-8 "]) == 0


async def test_an_erasure_records_the_given_form_for_processes_that_do_not_trim(engine):
    # A gateway process of the release before (still running in a rolling upgrade) stores and checks " user-8 ".
    await erase_end_user(engine, " user-8 ", "dpo", RECIPES, via="test")

    async with engine.connect() as connection:
        assert await ErasedUsers(engine.dialect.name).erased_at(connection, " user-8 ") is not None
