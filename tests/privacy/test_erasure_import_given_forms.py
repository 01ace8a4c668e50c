"""An erasure recorded by a release that kept ids as given (the hash of " user-8 ") still catches a file imported now.

An import reads " user-8 " as "user-8" (the proxy's rule), so it checked "user-8" alone against the record of erased
users, which that older erasure does not name (its hash of the untrimmed id cannot be redone): the erased user's
interactions and feedback came back. It now checks the id as the line gave it too, as a spool replay does.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from sqlalchemy import func, select

from gateway.imports.jsonl import ImportReport, import_jsonl
from gateway.store.erased_users import ERASURE_KEY, record_erasure
from gateway.store.secrets import get_or_create_secret
from gateway.store.tables import feedback, interactions

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "where is my parcel"}]}
BEFORE = (datetime.now(UTC) - timedelta(days=1)).isoformat()


async def erased_by_an_older_release(engine, given: str) -> None:
    """The record an erasure of `given` made before ids lost their blank ends: the hash of the id as given, alone."""
    await record_erasure(engine, await get_or_create_secret(engine, ERASURE_KEY), (given,), datetime.now(UTC))


async def imported(engine, tmp_path: Path, *lines: dict) -> ImportReport:
    path = tmp_path / "history.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(line) for line in lines))
    return await import_jsonl(engine, path)


async def rows(engine) -> tuple[int, int]:
    async with engine.connect() as connection:
        stored = await connection.scalar(select(func.count()).select_from(interactions))
        given = await connection.scalar(select(func.count()).select_from(feedback))
    return stored, given


async def test_a_line_naming_the_end_user_as_the_older_erasure_did_is_left_out(engine, tmp_path):
    await erased_by_an_older_release(engine, " user-8 ")

    report = await imported(
        engine, tmp_path, {"id": "old", "created_at": BEFORE, "end_user": " user-8 ", "request": CHAT}
    )

    assert (report.interactions, report.erased_interactions, await rows(engine)) == (0, 1, (0, 0))


async def test_a_request_naming_the_end_user_as_the_older_erasure_did_is_left_out(engine, tmp_path):
    await erased_by_an_older_release(engine, " user-8 ")

    report = await imported(
        engine, tmp_path, {"id": "old", "created_at": BEFORE, "request": {**CHAT, "user": " user-8 "}}
    )

    assert (report.interactions, report.erased_interactions) == (0, 1)


async def test_feedback_the_end_user_gave_as_the_older_erasure_named_them_is_left_out(engine, tmp_path):
    await erased_by_an_older_release(engine, " user-8 ")
    votes = [{"thumbs": "down", "user_id": " user-8 "}, {"thumbs": "down", "user_id": "hal"}]

    report = await imported(engine, tmp_path, {"id": "other", "created_at": BEFORE, "request": CHAT, "feedback": votes})

    assert (report.feedback, report.erased_feedback, await rows(engine)) == (1, 1, (1, 1))


async def test_a_line_made_after_the_older_erasure_is_stored_trimmed(engine, tmp_path):
    await erased_by_an_older_release(engine, " user-8 ")
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()

    report = await imported(
        engine, tmp_path, {"id": "new", "created_at": later, "end_user": " user-8 ", "request": CHAT}
    )

    async with engine.connect() as connection:
        stored = await connection.scalar(select(interactions.c.end_user))
    assert (report.interactions, stored) == (1, "user-8")
