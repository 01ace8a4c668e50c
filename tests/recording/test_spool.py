"""The spool file: rows kept on local disk while the database is away, read back in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from gateway.recording.spool import Spool

START = datetime(2025, 6, 1, 12, 0, 0, 123_456, tzinfo=UTC)


def row(n: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"0197{n:032d}"[:36],
        "created_at": START + timedelta(seconds=n),
        "app": "support-bot",
        "endpoint": "chat.completions",
        "upstream": "default",
        "request": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"question {n}"}]},
        **fields,
    }


@pytest.fixture
def spool(tmp_path: Path) -> Spool:
    return Spool(tmp_path / "spool" / "feedgate.spool.jsonl")


def read_all(spool: Spool, batch_size: int = 1000) -> list[dict[str, Any]]:
    return [r for batch in spool.read_batches(batch_size) for r in batch]


def test_a_new_spool_is_empty_and_reads_nothing(spool: Spool):
    assert spool.is_empty()
    assert list(spool.read_batches(10)) == []


def test_appended_rows_read_back_in_the_order_written(spool: Spool):
    spool.append([row(1), row(2)])
    spool.append([row(3)])
    spool.append([row(4), row(5)])

    assert not spool.is_empty()
    assert [r["id"] for r in read_all(spool)] == [row(n)["id"] for n in range(1, 6)]


def test_rows_read_back_in_batches_of_the_requested_size(spool: Spool):
    spool.append([row(n) for n in range(7)])

    batches = list(spool.read_batches(3))

    assert [len(batch) for batch in batches] == [3, 3, 1]
    assert [r["id"] for batch in batches for r in batch] == [row(n)["id"] for n in range(7)]


def test_a_row_reads_back_equal_to_what_was_written(spool: Spool):
    written = row(1, request={"messages": [{"content": "naïve café ☕ \u0000"}]}, prompt_tokens=12, stream=True)

    spool.append([written])

    assert read_all(spool) == [written]


def test_an_integer_beyond_64_bits_reads_back_exactly(spool: Spool):
    # orjson refuses to write it and reads it back as a float.
    written = row(1, request={"model": "gpt-4o-mini", "seed": 123456789012345678901234567890})

    spool.append([written])

    assert read_all(spool) == [written]


def test_created_at_comes_back_as_the_same_timezone_aware_datetime(spool: Spool):
    paris_summer = timezone(timedelta(hours=2))
    spool.append([row(1), row(2, created_at=datetime(2025, 6, 1, 14, 0, 0, 7, tzinfo=paris_summer))])

    first, second = read_all(spool)

    assert first["created_at"] == START + timedelta(seconds=1)
    assert first["created_at"].tzinfo is not None
    assert second["created_at"] == datetime(2025, 6, 1, 12, 0, 0, 7, tzinfo=UTC)
    assert second["created_at"].utcoffset() == timedelta(hours=2)


def test_a_torn_last_line_is_skipped_without_losing_the_others(spool: Spool):
    spool.append([row(1), row(2)])
    with spool.path.open("ab") as file:  # a crash in the middle of writing row 3
        file.write(b'{"id":"torn","created_at":"2025-06-01T12:00:03+00:00","app":"supp')

    assert [r["id"] for r in read_all(spool)] == [row(1)["id"], row(2)["id"]]


def test_rows_appended_after_a_torn_line_are_not_lost(spool: Spool):
    # After a crash mid-append the gateway restarts and keeps spooling into the same file.
    spool.append([row(1)])
    with spool.path.open("ab") as file:
        file.write(b'{"id":"torn","created_at":"2025-06-01T12:00:03+00:00","app":"supp')

    spool.append([row(2), row(3)])

    assert [r["id"] for r in read_all(spool)] == [row(1)["id"], row(2)["id"], row(3)["id"]]


def test_clear_empties_the_spool(spool: Spool):
    spool.append([row(1), row(2)])

    spool.clear()

    assert spool.is_empty()
    assert read_all(spool) == []


def test_clear_on_a_spool_never_written_is_harmless(spool: Spool):
    spool.clear()

    assert spool.is_empty()


def test_the_spool_can_be_written_again_after_clear(spool: Spool):
    spool.append([row(1)])
    spool.clear()

    spool.append([row(2)])

    assert [r["id"] for r in read_all(spool)] == [row(2)["id"]]


def test_a_second_spool_object_on_the_same_file_sees_what_the_first_wrote(spool: Spool):
    spool.append([row(1), row(2)])

    reopened = Spool(spool.path)

    assert not reopened.is_empty()
    assert [r["id"] for r in read_all(reopened)] == [row(1)["id"], row(2)["id"]]


def test_a_new_spool_file_is_readable_by_its_owner_only(spool):
    # Spooled rows are users' prompts and answers: a umask of 022 would let any local account read them.
    spool.append([row(1)])

    assert spool.path.stat().st_mode & 0o777 == 0o600
