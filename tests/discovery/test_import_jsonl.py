"""`import_jsonl`: interactions and feedback from a JSON Lines file; bad lines skipped and reported."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import orjson

from gateway.config import Settings
from gateway.imports.jsonl import import_jsonl
from gateway.privacy.redaction import redactor_for
from gateway.store.feedback import FeedbackStore
from gateway.store.interactions import InteractionFilter, InteractionStore


def record(interaction_id: str | None, question: str, answer: str, **extra) -> dict:
    line = {
        "app": "support-bot",
        "created_at": "2026-11-01T10:00:00+00:00",
        "request": {"model": "gpt-test", "messages": [{"role": "user", "content": question}]},
        "response": {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12},
        },
        "feedback": [{"thumbs": "down", "comment": "wrong answer", "user_id": "u1"}],
        **extra,
    }
    if interaction_id is not None:
        line["id"] = interaction_id
    return line


def write_lines(path: Path, lines: list) -> Path:
    path.write_bytes(b"\n".join(line if isinstance(line, bytes) else orjson.dumps(line) for line in lines) + b"\n")
    return path


async def test_good_lines_are_stored_with_their_ids_and_answers(engine, tmp_path):
    path = write_lines(tmp_path / "in.jsonl", [record("imported-1", "Where is my refund?", "It was sent.")])

    report = await import_jsonl(engine, path)

    assert (report.interactions, report.feedback, report.errors) == (1, 1, [])
    stored = await InteractionStore(engine).get("imported-1")
    assert stored["response_text"] == "It was sent."
    assert stored["total_tokens"] == 12
    assert stored["app"] == "support-bot"


async def test_feedback_is_stored_and_counts_as_negative(engine, tmp_path):
    path = write_lines(tmp_path / "in.jsonl", [record("imported-1", "Where is my refund?", "It was sent.")])

    await import_jsonl(engine, path)

    [event] = await FeedbackStore(engine).for_interaction("imported-1")
    assert (event["thumbs"], event["comment"], event["negative"], event["submitted_via"]) == (
        "down",
        "wrong answer",
        True,
        "import",
    )


async def test_a_file_whose_token_counts_are_text_imports_its_answers_without_counts(engine, tmp_path):
    # PostgreSQL refused the batch ('12' is not an integer) and the import ended in a traceback.
    line = record("imported-1", "Where is my refund?", "It was sent.")
    line["response"]["usage"] = {"prompt_tokens": "5", "completion_tokens": "7", "total_tokens": "12"}
    path = write_lines(tmp_path / "in.jsonl", [line])

    report = await import_jsonl(engine, path)

    assert (report.interactions, report.errors) == (1, [])
    stored = await InteractionStore(engine).get("imported-1")
    assert (stored["response_text"], stored["total_tokens"]) == ("It was sent.", None)


async def test_a_line_without_an_id_gets_a_generated_one(engine, tmp_path):
    path = write_lines(tmp_path / "in.jsonl", [record(None, "Hello?", "Hi.")])

    report = await import_jsonl(engine, path)

    assert report.interactions == 1
    [row] = await InteractionStore(engine).list(InteractionFilter(), limit=10)
    assert len(row["id"]) == 36


async def test_bad_lines_are_reported_by_number_and_good_ones_kept(engine, tmp_path):
    bad_feedback = record("imported-3", "Q", "A", feedback=[{"thumbs": "sideways"}])
    path = write_lines(
        tmp_path / "in.jsonl",
        [record("imported-1", "Q", "A"), b"{not json", bad_feedback, b"[1, 2]", record("imported-5", "Q", "A")],
    )

    report = await import_jsonl(engine, path, batch_size=2)

    assert [number for number, _ in report.errors] == [2, 3, 4]
    assert "thumbs" in report.errors[1][1]
    assert report.interactions == 2
    assert await InteractionStore(engine).get("imported-5") is not None
    assert await InteractionStore(engine).get("imported-3") is None


async def test_a_misspelt_field_is_a_bad_line_naming_it(engine, tmp_path):
    line = record("imported-1", "Q", "A")
    line["respnse"] = line.pop("response")
    path = write_lines(tmp_path / "in.jsonl", [line])

    report = await import_jsonl(engine, path)

    assert report.interactions == 0
    [(number, reason)] = report.errors
    assert number == 1
    assert reason.startswith("unknown field 'respnse' (did you mean 'response'?)")


async def test_a_long_unknown_field_is_quoted_by_its_start_and_its_length(engine, tmp_path):
    # `feedgate import` prints each bad line's reason: a 3,000-character field name was printed whole.
    line = record("imported-1", "Q", "A")
    line["x" * 3000] = 1
    path = write_lines(tmp_path / "in.jsonl", [line])

    report = await import_jsonl(engine, path)

    [(_, reason)] = report.errors
    assert reason.startswith(f"unknown field '{'x' * 60}…' (3,000 characters): a line holds id, app")


async def test_an_id_with_a_slash_is_a_bad_line(engine, tmp_path):
    # An id is a path segment of the pages and the API: "conv/17" could never be opened there.
    path = write_lines(tmp_path / "in.jsonl", [record("conv/17", "Q", "A"), record("conv 17?#%", "Q", "A")])

    report = await import_jsonl(engine, path)

    assert report.interactions == 1
    [(number, reason)] = report.errors
    assert (number, reason) == (1, "'id' may not hold '/' or control characters (it names the interaction in URLs)")


async def test_a_lines_end_user_is_stored_as_the_interactions(engine, tmp_path):
    path = write_lines(tmp_path / "in.jsonl", [record("imported-1", "Q", "A", end_user="dave")])

    await import_jsonl(engine, path)

    assert (await InteractionStore(engine).get("imported-1"))["end_user"] == "dave"


async def test_without_an_end_user_the_requests_user_is_the_end_user(engine, tmp_path):
    line = record("imported-1", "Q", "A")
    line["request"]["user"] = "erin"
    path = write_lines(tmp_path / "in.jsonl", [line])

    await import_jsonl(engine, path)

    assert (await InteractionStore(engine).get("imported-1"))["end_user"] == "erin"


# Integers beyond 64 bits, written by the standard library's encoder (orjson refuses them).
SEED = 123456789012345678901234567890
ORDER = 98765432109876543210


def line_with_wide_integers(tmp_path: Path) -> Path:
    line = record("imported-1", "Q", "A", feedback=[{"thumbs": "down", "metadata": {"order": ORDER}}])
    line["request"]["seed"] = SEED
    return write_lines(tmp_path / "in.jsonl", [json.dumps(line).encode()])


async def test_a_request_integer_beyond_64_bits_is_imported_as_written(engine, tmp_path):
    await import_jsonl(engine, line_with_wide_integers(tmp_path))

    stored = await InteractionStore(engine).get("imported-1")
    assert stored["request"]["seed"] == SEED


async def test_a_feedback_metadata_integer_beyond_64_bits_is_imported_as_written(engine, tmp_path):
    report = await import_jsonl(engine, line_with_wide_integers(tmp_path))

    assert (report.feedback, report.errors) == (1, [])
    [event] = await FeedbackStore(engine).for_interaction("imported-1")
    assert event["metadata"] == {"order": ORDER}


async def test_importing_the_same_file_twice_stores_each_event_once(engine, tmp_path):
    path = write_lines(tmp_path / "in.jsonl", [record("imported-1", "Q", "A")])

    await import_jsonl(engine, path)
    await import_jsonl(engine, path)

    assert len(await FeedbackStore(engine).for_interaction("imported-1")) == 1


async def test_timestamps_with_an_offset_are_stored_as_the_same_instant_and_naive_ones_as_utc(engine, tmp_path):
    path = write_lines(
        tmp_path / "in.jsonl",
        [
            record("paris", "Q", "A", created_at="2026-11-01T11:00:00+01:00"),
            record("naive", "Q", "A", created_at="2026-11-01T10:00:00"),
        ],
    )

    await import_jsonl(engine, path)

    store = InteractionStore(engine)
    assert (await store.get("paris"))["created_at"] == datetime(2026, 11, 1, 10, tzinfo=UTC)
    assert (await store.get("naive"))["created_at"] == datetime(2026, 11, 1, 10, tzinfo=UTC)


async def test_a_timestamp_utc_cannot_represent_is_a_bad_line(engine, tmp_path):
    path = write_lines(
        tmp_path / "in.jsonl",
        [record("ancient", "Q", "A", created_at="0001-01-01T00:00:00+08:00"), record("fine", "Q", "A")],
    )

    report = await import_jsonl(engine, path)

    assert [number for number, _ in report.errors] == [1]
    assert "created_at" in report.errors[0][1]
    assert await InteractionStore(engine).get("fine") is not None


async def test_a_time_in_the_future_is_a_bad_line(engine, tmp_path):
    future = record("future", "Q", "A")
    future["feedback"][0]["created_at"] = "2999-01-01T00:00:00+00:00"
    path = write_lines(tmp_path / "in.jsonl", [future, record("fine", "Q", "A")])

    report = await import_jsonl(engine, path)

    assert report.errors == [(1, "'feedback[0].created_at' 2999-01-01T00:00:00+00:00 is in the future")]
    assert await InteractionStore(engine).get("future") is None


async def test_feedback_dated_before_its_answer_is_a_bad_line(engine, tmp_path):
    early = record("early", "Q", "A")
    early["feedback"][0]["created_at"] = "2026-10-31T10:00:00+00:00"
    path = write_lines(tmp_path / "in.jsonl", [early])

    report = await import_jsonl(engine, path)

    assert [number for number, _ in report.errors] == [1]
    assert "before its interaction's created_at" in report.errors[0][1]


async def test_imported_feedback_keeps_its_delay_after_the_answer(engine, tmp_path):
    late = record("late", "Q", "A")
    late["feedback"][0]["created_at"] = "2026-11-01T12:30:00+00:00"
    path = write_lines(tmp_path / "in.jsonl", [late])

    await import_jsonl(engine, path)

    [event] = await FeedbackStore(engine).for_interaction("late")
    assert event["seconds_after_answer"] == 9000


async def test_with_a_redactor_imported_interactions_and_feedback_are_stored_redacted(engine, tmp_path):
    line = record("imported-1", "I am alice@example.com", "Mail bob@example.com.")
    line["feedback"] = [{"thumbs": "down", "comment": "call me on +44 20 7946 0958", "user_id": "u1"}]
    path = write_lines(tmp_path / "in.jsonl", [line])
    redactor = redactor_for(Settings(redaction=True))

    await import_jsonl(engine, path, redactor=redactor)

    stored = await InteractionStore(engine).get("imported-1")
    assert stored["request"]["messages"][0]["content"] == "I am [redacted:email]"
    assert stored["response_text"] == "Mail [redacted:email]."
    assert stored["redactions"] == {"email": 2}  # the question and the answer (its text, a copy, not counted again)
    [event] = await FeedbackStore(engine).for_interaction("imported-1")
    assert (event["comment"], event["redactions"]) == ("call me on [redacted:phone]", {"phone": 1})


async def test_feedback_naming_no_user_is_the_lines_end_users(engine, tmp_path):
    line = record("imported-1", "Where is my refund?", "It was sent.", end_user="ana")
    line["feedback"] = [{"thumbs": "down"}, {"thumbs": "up", "user_id": "ben"}]
    path = write_lines(tmp_path / "in.jsonl", [line])

    await import_jsonl(engine, path)

    events = await FeedbackStore(engine).for_interaction("imported-1")
    assert sorted((event["user_id"], event["thumbs"]) for event in events) == [("ana", "down"), ("ben", "up")]


async def test_feedback_on_a_line_without_an_end_user_stays_anonymous(engine, tmp_path):
    line = record("imported-1", "Where is my refund?", "It was sent.")
    line["feedback"] = [{"thumbs": "down"}]
    path = write_lines(tmp_path / "in.jsonl", [line])

    await import_jsonl(engine, path)

    [event] = await FeedbackStore(engine).for_interaction("imported-1")
    assert event["user_id"] is None


async def test_imported_feedback_keeps_the_choice_it_names(engine, tmp_path):
    line = record("imported-1", "Q", "A")
    line["response"]["choices"].append({"index": 1, "message": {"role": "assistant", "content": "B"}})
    line["feedback"] = [{"correction": "C", "choice": 1}]
    path = write_lines(tmp_path / "in.jsonl", [line])

    await import_jsonl(engine, path)

    [event] = await FeedbackStore(engine).for_interaction("imported-1")
    assert event["choice"] == 1


async def test_imported_feedback_naming_a_choice_the_answer_lacks_is_a_bad_line(engine, tmp_path):
    path = write_lines(
        tmp_path / "in.jsonl", [record("imported-1", "Q", "A", feedback=[{"thumbs": "down", "choice": 1}])]
    )

    report = await import_jsonl(engine, path)

    [(number, reason)] = report.errors
    assert number == 1 and "'choice' 1" in reason
    assert await InteractionStore(engine).get("imported-1") is None
