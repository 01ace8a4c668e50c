"""`import_jsonl` reports what it stored: repeated ids and rows already stored are skipped and counted apart."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.imports.jsonl import import_jsonl
from gateway.store.tables import feedback, interactions


def line(interaction_id: str, question: str, events: list[dict]) -> bytes:
    return orjson.dumps(
        {
            "id": interaction_id,
            "app": "support-bot",
            "request": {"model": "gpt-test", "messages": [{"role": "user", "content": question}]},
            "response": {"choices": [{"message": {"role": "assistant", "content": "Sorry."}}]},
            "feedback": events,
        }
    )


DOWN = {"thumbs": "down", "comment": "wrong"}


async def stored(engine: AsyncEngine) -> tuple[int, int]:
    async with engine.connect() as connection:
        return (
            await connection.scalar(select(func.count()).select_from(interactions)),
            await connection.scalar(select(func.count()).select_from(feedback)),
        )


def write(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


async def test_a_line_repeating_an_earlier_lines_id_is_skipped_and_reported_by_number(engine, tmp_path):
    path = write(
        tmp_path / "in.jsonl",
        [line("imp-1", "first", [DOWN]), line("imp-2", "second", [DOWN]), line("imp-1", "again", [DOWN, DOWN])],
    )

    report = await import_jsonl(engine, path)

    assert (report.interactions, report.feedback) == (2, 2) == await stored(engine)
    assert report.repeated == [(3, "repeats the id 'imp-1' of line 1")]


async def test_a_repeated_id_in_a_later_batch_is_skipped_too(engine, tmp_path):
    path = write(tmp_path / "in.jsonl", [line("imp-1", "first", [DOWN]), line("imp-1", "again", [DOWN, DOWN])])

    report = await import_jsonl(engine, path, batch_size=1)

    assert (report.interactions, report.feedback, len(report.repeated)) == (1, 1, 1)
    assert await stored(engine) == (1, 1)


async def test_importing_the_same_file_again_stores_nothing_and_counts_it_as_already_stored(engine, tmp_path):
    path = write(tmp_path / "in.jsonl", [line("imp-1", "first", [DOWN]), line("imp-2", "second", [DOWN, DOWN])])
    await import_jsonl(engine, path)

    again = await import_jsonl(engine, path)

    assert (again.interactions, again.feedback) == (0, 0)
    assert (again.already_stored_interactions, again.already_stored_feedback) == (2, 3)
    assert await stored(engine) == (2, 3)


async def test_a_new_feedback_event_on_an_interaction_already_stored_is_stored_and_counted(engine, tmp_path):
    await import_jsonl(engine, write(tmp_path / "a.jsonl", [line("imp-1", "first", [DOWN])]))

    report = await import_jsonl(engine, write(tmp_path / "b.jsonl", [line("imp-1", "first", [DOWN, DOWN])]))

    assert (report.interactions, report.feedback) == (0, 1)
    assert (report.already_stored_interactions, report.already_stored_feedback) == (1, 1)
    assert await stored(engine) == (1, 2)


@pytest.mark.parametrize("batch_size", [0, -1])
async def test_a_batch_size_below_1_is_refused(engine, tmp_path, batch_size: int):
    path = write(tmp_path / "in.jsonl", [line("imp-1", "first", [DOWN])])

    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        await import_jsonl(engine, path, batch_size=batch_size)
