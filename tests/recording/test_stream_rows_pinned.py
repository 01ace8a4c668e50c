"""The stored row of a streamed answer stays exactly what it was for the same stream.

The rows in pinned/stream_rows.json were written by the code before its stream rebuilding was made
cheaper; rewrite them (FEEDGATE_STORE_STREAM_ROWS=1) only for a change meant to alter stored rows.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gateway.exact_json import dumps_exact, loads_exact
from gateway.recording.writer_rows import rows_of
from tests.recording.stream_row_cases import cases

PINNED = Path(__file__).parent / "pinned" / "stream_rows.json"


def _stored(name: str) -> str:
    (row,) = rows_of([cases()[name]])
    return dumps_exact(row, default=str, sort_keys=True).decode()


if os.environ.get("FEEDGATE_STORE_STREAM_ROWS"):
    PINNED.write_text(dumps_exact({name: loads_exact(_stored(name)) for name in cases()}, sort_keys=True).decode())


@pytest.mark.parametrize("name", sorted(cases()))
def test_a_streamed_answers_stored_row_is_the_pinned_one(name):
    pinned = loads_exact(PINNED.read_text())
    assert loads_exact(_stored(name)) == pinned[name]
    assert _stored(name) == dumps_exact(pinned[name], sort_keys=True).decode()
