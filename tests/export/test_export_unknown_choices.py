"""A correction naming a choice its stored answer does not have: refused when made, left out of the export when stored
(both databases).

/v1/feedback and the decision API refuse such a `choice` (a 422 naming the choices there are); `feedgate import` did
only against the file's copy of the answer, so a line whose interaction was already stored, with fewer choices, stored
its feedback. One stored so (or before those checks) pairs the correction with no original: `original: null`, and a
preference line with nothing to reject. It is no label: the export leaves it out, lets it outrank no other correction,
and counts it apart in the summary.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from export_seed import exported, give_feedback, review, review_service, store_chat
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.export.formats import ExportFormat
from gateway.export.stream import ExportTally
from gateway.imports.jsonl import import_jsonl
from gateway.review.records import Outcome
from gateway.store.feedback import FeedbackStore
from gateway.store.tables import review_decisions
from gateway.store.training_examples import ExampleFilter, TrainingExampleStore

CORRECTION = "The fee is 1%, at least 1 EUR."


def import_line(answers: list[str], feedback: list[dict]) -> dict:
    """A line of `feedgate import` for the interaction "imported-1", its answer of `answers` as choices."""
    choices = [{"index": n, "message": {"role": "assistant", "content": a}} for n, a in enumerate(answers)]
    return {
        "id": "imported-1",
        "app": "support-bot",
        "created_at": "2026-11-01T10:00:00+00:00",
        "request": {"model": "gpt-test", "messages": [{"role": "user", "content": "What is the fee?"}]},
        "response": {"object": "chat.completion", "choices": choices},
        "feedback": feedback,
    }


def written(path: Path, line: dict) -> Path:
    path.write_bytes(orjson.dumps(line) + b"\n")
    return path


async def imported(engine: AsyncEngine, path: Path, line: dict) -> list[tuple[int, str]]:
    """The errors `feedgate import` reports for a file of `line`."""
    return (await import_jsonl(engine, written(path, line))).errors


async def corrected_by_reviewer(engine: AsyncEngine, interaction_id: str, choice: int) -> None:
    """A reviewer's correction of the answer, stored as naming choice `choice` (as one stored before the check was)."""
    task_id = await review(review_service(engine), [interaction_id], Outcome.CORRECT, correction=CORRECTION)
    async with engine.begin() as connection:
        await connection.execute(
            update(review_decisions).where(review_decisions.c.task_id == task_id).values(choice=choice)
        )


async def test_an_import_naming_a_choice_the_stored_answer_lacks_is_a_bad_line(engine, tmp_path):
    assert await imported(engine, tmp_path / "first.jsonl", import_line(["2%."], [])) == []
    again = import_line(["2%.", "3%."], [{"correction": CORRECTION, "choice": 1}])

    errors = await imported(engine, tmp_path / "again.jsonl", again)

    assert errors == [
        (1, "feedback[0]: 'choice' 1 names no choice of the stored answer: it has 1 choice (0)"),
    ]
    assert await FeedbackStore(engine).for_interaction("imported-1") == []


async def test_an_import_naming_a_choice_the_stored_answer_has_stores_it(engine, tmp_path):
    await imported(engine, tmp_path / "first.jsonl", import_line(["2%.", "3%."], []))

    errors = await imported(
        engine, tmp_path / "again.jsonl", import_line(["2%.", "3%."], [{"correction": "C", "choice": 1}])
    )

    assert errors == []
    [event] = await FeedbackStore(engine).for_interaction("imported-1")
    assert event["choice"] == 1


async def test_an_end_users_stored_correction_of_an_unknown_choice_is_no_example_in_any_format(engine):
    await give_feedback(engine, await store_chat(engine), correction=CORRECTION, choice=2)

    for fmt in ExportFormat:
        assert await exported(engine, fmt) == []


async def test_a_reviewers_stored_correction_of_an_unknown_choice_leaves_the_end_users_correction_standing(engine):
    answer = await store_chat(engine)
    await give_feedback(engine, answer, correction="The fee is 3%.")
    await corrected_by_reviewer(engine, answer, 2)

    examples = await exported(engine, ExportFormat.JSONL)

    assert [(e["source"], e["preferred"], e["original"]) for e in examples] == [
        ("end_user_correction", "The fee is 3%.", "The fee is 2%.")
    ]


async def test_a_later_correction_of_an_unknown_choice_leaves_another_users_correction_standing(engine):
    answer = await store_chat(engine)
    earlier = datetime.now(UTC) - timedelta(minutes=5)
    await give_feedback(engine, answer, correction=CORRECTION, user_id="ann", at=earlier)
    await give_feedback(engine, answer, correction="The fee is 3%.", user_id="bob", choice=1)

    examples = await exported(engine, ExportFormat.JSONL)

    assert [(e["preferred"], e["original"]) for e in examples] == [(CORRECTION, "The fee is 2%.")]


async def test_corrections_of_unknown_choices_are_counted_apart_in_the_summary_and_not_read(engine):
    await give_feedback(engine, await store_chat(engine, "Fee?"), correction=CORRECTION, choice=1)
    await corrected_by_reviewer(engine, await store_chat(engine, "Card?"), 3)
    tally = ExportTally()

    assert await exported(engine, ExportFormat.CHAT, tally=tally) == []
    assert (tally.rows, tally.unknown_choice_corrections) == (0, 2)
    assert tally.summary() == (
        "wrote 0 lines from 0 labelled examples (none); "
        "2 corrections left out: they name a choice their answers do not have"
    )


async def test_the_count_the_retrain_trigger_reads_leaves_corrections_of_unknown_choices_out(engine):
    await give_feedback(engine, await store_chat(engine, "Fee?"), correction=CORRECTION, choice=1)
    await corrected_by_reviewer(engine, await store_chat(engine, "Card?"), 3)
    await give_feedback(engine, await store_chat(engine, "Open?"), correction=CORRECTION)

    assert await TrainingExampleStore(engine).count(ExampleFilter()) == 1
