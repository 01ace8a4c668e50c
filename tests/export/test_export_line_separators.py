"""U+2028 and U+2029 in exported text are written as JSON escapes: every line splitter sees one line per example."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from export_seed import conversation, give_feedback, store_chat

from gateway.export.formats import ExportFormat
from gateway.export.stream import ExportTally, TrainingExport
from gateway.imports.jsonl import import_jsonl
from gateway.store.interactions import InteractionStore
from gateway.store.training_examples import ExampleFilter, TrainingExampleStore

# LINE SEPARATOR and PARAGRAPH SEPARATOR: valid raw in JSON, but a line break to str.splitlines,
# to JavaScript before ES2019, and to editors.
QUESTION = "What is the fee?\u2028Per month?"
CORRECTION = "The fee is 1%.\u2029Per month, none."


@pytest.mark.parametrize("fmt", list(ExportFormat))
async def test_line_and_paragraph_separators_are_escaped_and_read_back_as_they_were(engine, fmt: ExportFormat):
    corrected = await store_chat(engine, QUESTION, "The fee is 2%.")
    await give_feedback(engine, corrected, correction=CORRECTION)

    export = TrainingExport(TrainingExampleStore(engine))
    lines = [line async for line in export.lines(ExampleFilter(), fmt, ExportTally())]

    assert len(lines) == 1
    assert "\u2028" not in lines[0] and "\u2029" not in lines[0]
    assert "\\u2028" in lines[0] and "\\u2029" in lines[0]
    assert lines[0].splitlines() == [lines[0][:-1]]
    document = json.loads(lines[0])
    if fmt is ExportFormat.CHAT:
        assert document["messages"] == [*conversation(QUESTION), {"role": "assistant", "content": CORRECTION}]
    elif fmt is ExportFormat.PREFERENCE:
        assert document["preferred_output"] == [{"role": "assistant", "content": CORRECTION}]
        assert document["input"]["messages"] == conversation(QUESTION)
    else:
        assert CORRECTION in json.dumps(document, ensure_ascii=False)


@pytest.mark.parametrize("escaped", [True, False], ids=["escaped", "raw"])
async def test_import_reads_the_separators_back_escaped_or_raw(engine, tmp_path: Path, escaped: bool):
    request = {"model": "gpt-test", "messages": [{"role": "user", "content": QUESTION}]}
    line = orjson.dumps({"id": "imp-1", "request": request, "feedback": [{"correction": CORRECTION}]}).decode()
    if escaped:
        line = line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    path = tmp_path / "in.jsonl"
    path.write_text(line + "\n", encoding="utf-8")

    report = await import_jsonl(engine, path)

    assert (report.interactions, report.feedback, report.errors) == (1, 1, [])
    stored = await InteractionStore(engine).get("imp-1")
    assert stored is not None
    assert stored["request"]["messages"][0]["content"] == QUESTION
