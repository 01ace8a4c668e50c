"""`import_jsonl` on files as editors and spreadsheets save them: a UTF-8 BOM, text in another encoding, odd values."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from gateway.imports.jsonl import BadLine, import_jsonl, parse_line
from gateway.store.interactions import InteractionStore


def line(interaction_id: str, **extra: object) -> bytes:
    request = {"model": "gpt-test", "messages": [{"role": "user", "content": "Where is my refund?"}]}
    return orjson.dumps({"id": interaction_id, "request": request, **extra})


async def test_a_file_starting_with_a_utf8_byte_order_mark_loses_no_line(engine, tmp_path: Path):
    # Notepad and Excel save UTF-8 with a BOM: the first line was refused ("BOM is not supported").
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + line("imp-1") + b"\n" + line("imp-2") + b"\n")

    report = await import_jsonl(engine, path)

    assert (report.interactions, report.errors) == (2, [])
    assert await InteractionStore(engine).get("imp-1") is not None


def test_a_line_that_is_not_utf8_says_so_and_where():
    # A Latin-1 "é": orjson's words were "str is not valid UTF-8: surrogates not allowed".
    latin1 = line("imp-1").replace(b"refund", b"r\xe9fund")
    column = latin1.index(b"\xe9") + 1
    with pytest.raises(BadLine) as refused:
        parse_line(latin1, 10_000)

    assert str(refused.value) == (
        f"not UTF-8 text: byte 0xe9 at column {column} is no UTF-8 character; save the file "
        "as UTF-8 (a compressed file must be decompressed first)"
    )


def test_a_created_at_of_true_is_no_time():
    # A boolean is an integer to Python: `true` was imported as 1970-01-01T00:00:01.
    with pytest.raises(BadLine) as refused:
        parse_line(line("imp-1", created_at=True), 10_000)

    assert str(refused.value) == "'created_at' must be an ISO 8601 timestamp or Unix seconds"


def test_a_blank_app_is_refused():
    # An app named "  " could never be chosen: every filter refuses a blank app.
    with pytest.raises(BadLine) as refused:
        parse_line(line("imp-1", app="  "), 10_000)

    assert str(refused.value) == "'app' is blank: leave it out for 'imported', or name the app"


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_id_is_refused_not_replaced_by_a_new_one_on_every_import(blank: str):
    # "" got a fresh id (as a line without one does), so importing the file again stored the line twice;
    # "   " was stored as the id of an interaction no URL could name.
    with pytest.raises(BadLine) as refused:
        parse_line(line(blank), 10_000)

    assert str(refused.value) == "'id' is blank: leave it out for a new id, or give the interaction's id"


@pytest.mark.parametrize("not_text", [0, False, [], {}])
def test_an_id_that_is_not_text_is_refused_even_when_it_reads_as_false(not_text: object):
    # `0` and `false` were taken for "no id" and given a new one on every import.
    with pytest.raises(BadLine) as refused:
        parse_line(line("imp-1").replace(b'"imp-1"', orjson.dumps(not_text)), 10_000)

    assert str(refused.value) == "'id' must be a string of at most 36 characters"
