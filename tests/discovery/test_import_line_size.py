"""`import_jsonl` bounds a line's size: a longer line is one bad line, named, never read whole."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import orjson
import pytest
from cli_run import run

from gateway.imports.jsonl import MAX_LINE_BYTES, import_jsonl, numbered_lines
from gateway.store.interactions import InteractionStore

MIB = 1 << 20


def line(interaction_id: str, question: str = "Where is my refund?") -> bytes:
    request = {"model": "gpt-test", "messages": [{"role": "user", "content": question}]}
    return orjson.dumps({"id": interaction_id, "request": request, "feedback": [{"thumbs": "down"}]})


def padded(interaction_id: str, size: int) -> bytes:
    """A line of exactly `size` bytes (without its newline)."""
    bare = line(interaction_id, "")
    return line(interaction_id, "x" * (size - len(bare)))


async def test_a_line_over_the_bound_is_a_bad_line_named_and_the_lines_around_it_are_imported(engine, tmp_path: Path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(line("imp-1") + b"\n" + padded("imp-2", 1001) + b"\r\n" + line("imp-3") + b"\n")

    report = await import_jsonl(engine, path, max_line_bytes=1000)

    assert report.errors == [
        (2, "the line is longer than 1,000 bytes, the most a line may be (--max-line-mib): not read")
    ]
    assert report.interactions == 2
    assert await InteractionStore(engine).get("imp-3") is not None
    assert await InteractionStore(engine).get("imp-2") is None


async def test_a_line_at_the_bound_is_imported_with_or_without_a_newline(engine, tmp_path: Path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(padded("imp-1", 1000) + b"\r\n" + padded("imp-2", 1000))

    report = await import_jsonl(engine, path, max_line_bytes=1000)

    assert (report.interactions, report.errors) == (2, [])


def test_a_last_line_over_the_bound_without_a_newline_is_refused(tmp_path: Path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(line("imp-1") + b"\n" + padded("imp-2", 1001))

    read = list(numbered_lines(path, 1000))

    assert [(number, text is None) for number, text, _ in read] == [(1, False), (2, True)]
    assert read[-1][2] == path.stat().st_size  # the progress reaches the end of the file


def test_a_line_far_over_the_bound_is_skipped_without_being_held(tmp_path: Path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(padded("imp-1", 40 * MIB) + b"\n" + line("imp-2") + b"\n")

    tracemalloc.start()
    try:
        read = [(number, text is None) for number, text, _ in numbered_lines(path, MIB)]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert read == [(1, True), (2, False)]
    assert peak < 4 * MIB, f"skipping the line held {peak / MIB:.1f} MiB"


def test_the_default_bound_is_16_mib():
    assert MAX_LINE_BYTES == 16 * MIB


def test_the_command_names_the_long_line_and_takes_another_bound(tmp_path: Path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(line("imp-1") + b"\n" + padded("imp-2", MIB + 1) + b"\n")
    env = {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/i.db", "FEEDGATE_LOG_FORMAT": "text"}

    refused = run(["import", str(path), "--max-line-mib", "1"], env)
    taken = run(["import", str(path), "--max-line-mib", "2"], env)

    assert refused.returncode == 0, refused.stderr
    assert (
        "line 2: the line is longer than 1,048,576 bytes, the most a line may be (--max-line-mib): not read"
    ) in refused.stderr
    assert refused.stdout.startswith("imported 1 interaction and 1 feedback event; skipped 1 bad line,")
    assert taken.returncode == 0, taken.stderr
    assert taken.stdout.startswith("imported 1 interaction and 1 feedback event; skipped 0 bad lines,")


@pytest.mark.parametrize("given", ["0", "-2"])
def test_the_command_refuses_a_bound_below_1_mib(tmp_path: Path, given: str):
    path = tmp_path / "in.jsonl"
    path.write_bytes(line("imp-1") + b"\n")

    result = run(
        ["import", str(path), "--max-line-mib", given], {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/i.db"}
    )

    assert result.returncode == 2
    assert f"--max-line-mib must be at least 1, got {given}" in result.stderr
