"""A JSON log line stays one valid JSON line whatever text a client sent: a lone surrogate included."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import orjson
import pytest

from gateway.observability.logs import log_handler

ODD_TEXT = logging.Logger("feedgate.test.odd_text", logging.INFO)  # noqa: LOG001 (outside the hierarchy, on purpose)


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Everything logged during the test, as the JSON handler writes it."""
    stream = io.StringIO()
    handler = log_handler("json", "info", stream)
    # A logger outside the hierarchy: what reaches the root logger pytest keeps for the test's report, and
    # pytest-xdist cannot send a report holding a lone surrogate to the controller (its worker dies).
    ODD_TEXT.addHandler(handler)
    yield stream
    ODD_TEXT.removeHandler(handler)


def only_line(stream: io.StringIO) -> dict:
    """The one line written: UTF-8 text, parsed as JSON (fails if it is anything else)."""
    text = stream.getvalue()
    assert text.endswith("\n") and text.count("\n") == 1, f"not one line: {text!r}"
    return orjson.loads(text.encode("utf-8"))  # strict: a lone surrogate cannot be encoded


def test_a_lone_surrogate_in_the_message_is_written_escaped_in_a_valid_json_line(json_lines: io.StringIO):
    # What json.loads gives for a request body of {"content": "\ud800"}: a str no UTF-8 encoder takes.
    ODD_TEXT.warning("bad request body: %s", "a\ud800b")

    entry = only_line(json_lines)
    assert entry["message"] == "bad request body: a\\ud800b"
    assert entry["level"] == "warning"


def test_a_lone_surrogate_in_a_field_or_its_name_keeps_the_other_fields(json_lines: io.StringIO):
    fields = {"body": {"content": "\udfff", "\ud83dkey": ["x\ud800", 1]}, "rows": 3, "big": 2**70}
    ODD_TEXT.info("stored", extra=fields)

    entry = only_line(json_lines)
    assert entry["message"] == "stored"
    assert entry["body"] == {"content": "\\udfff", "\\ud83dkey": ["x\\ud800", 1]}
    assert entry["rows"] == 3
    assert entry["big"] == 2**70


def test_a_value_whose_text_holds_a_lone_surrogate_is_written_as_that_text_escaped(json_lines: io.StringIO):
    class Odd:
        def __str__(self) -> str:
            return "odd\ud800"

    ODD_TEXT.info("seen", extra={"thing": Odd()})

    assert only_line(json_lines)["thing"] == "odd\\ud800"


def test_a_lone_surrogate_in_an_exception_is_escaped_too(json_lines: io.StringIO):
    try:
        raise ValueError("bad \ud800 value")
    except ValueError:
        ODD_TEXT.exception("failed")

    assert "ValueError: bad \\ud800 value" in only_line(json_lines)["exception"]
