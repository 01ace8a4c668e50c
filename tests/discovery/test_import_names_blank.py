"""An imported line's app, id and end user are names, blank by the one rule (gateway/domain/blank_text.py): one of
zero-width or ideographic spaces names nothing, and the line is reported naming the field and saying it is blank
(str.strip kept U+200B: such an app was stored, one no filter can choose; such an end user was stored as a user)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from gateway.imports.jsonl import BadLine, import_jsonl, parse_line
from gateway.recording.identifiers import end_user_id
from gateway.store.interactions import InteractionStore

BLANKS = ["", "  ", "\u200b", "\u3000", "\u2060 \ufeff"]
BLANK_APP = "'app' is blank: leave it out for 'imported', or name the app"
BLANK_ID = "'id' is blank: leave it out for a new id, or give the interaction's id"
BLANK_END_USER = "'end_user' is blank: leave it out for the request's user, or name the end user"


def line(**fields: object) -> bytes:
    request = {"model": "gpt-test", "messages": [{"role": "user", "content": "Where is my refund?"}]}
    return orjson.dumps({"id": "imp-1", "request": request, **fields})


@pytest.mark.parametrize("blank", BLANKS)
@pytest.mark.parametrize(("field", "said"), [("app", BLANK_APP), ("id", BLANK_ID), ("end_user", BLANK_END_USER)])
def test_a_line_naming_a_blank_app_id_or_end_user_is_refused_as_blank(field, said, blank):
    with pytest.raises(BadLine) as refused:
        parse_line(line(**{field: blank}), 10_000)

    assert str(refused.value) == said


async def test_a_line_with_a_blank_app_is_reported_and_not_stored(engine, tmp_path: Path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(line(app="\u200b") + b"\n")

    report = await import_jsonl(engine, path)

    assert report.errors == [(1, BLANK_APP)]
    assert await InteractionStore(engine).get("imp-1") is None


@pytest.mark.parametrize("blank", ["\u200b", "\u3000\u2060", " \ufeff\t"], ids=["zero-width", "joiners", "mixed"])
async def test_a_line_of_blank_characters_is_skipped_as_an_empty_one(engine, tmp_path: Path, blank):
    # It was read as JSON, and reported as a bad line ("not JSON") where an empty line is passed over.
    path = tmp_path / "in.jsonl"
    path.write_bytes(line() + b"\n\n" + blank.encode() + b"\n" + line(id="imp-2") + b"\n")

    report = await import_jsonl(engine, path)

    assert (report.errors, report.interactions) == ([], 2)


def test_a_lines_end_user_is_kept_without_its_blank_ends_as_the_proxy_keeps_it():
    # The proxy's rule (gateway.recording.identifiers.end_user_id): " user-8 " imported was another user than "user-8".
    assert parse_line(line(end_user=" user-8\u200b"), 10_000).interaction["end_user"] == "user-8"


def test_a_lines_long_end_user_is_fitted_as_the_proxy_fits_it():
    assert parse_line(line(end_user=" " + "u" * 300), 10_000).interaction["end_user"] == end_user_id("u" * 300)
