"""Building a big batch's rows in short trips to a worker thread, so the proxy's loop waits little for the GIL."""

from __future__ import annotations

import threading

import pytest

from gateway.recording import writer as writer_module
from gateway.recording.writer import EXCHANGES_PER_TRIP

from .writing import stored_ids, submit_many


async def test_a_big_batch_is_built_in_short_trips_off_the_loop_and_every_row_is_stored(
    make_writer, store, engine, monkeypatch: pytest.MonkeyPatch
):
    trips: list[tuple[int, int]] = []  # (exchanges, thread) per trip
    build = writer_module.rows_of

    def counted(exchanges, redactor=None):
        trips.append((len(exchanges), threading.get_ident()))
        return build(exchanges, redactor)

    monkeypatch.setattr(writer_module, "rows_of", counted)
    writer = make_writer(store, batch_size=500, flush_interval=60)

    ids = submit_many(writer, 3 * EXCHANGES_PER_TRIP + 5)
    await writer.flush()

    assert [size for size, _ in trips] == [EXCHANGES_PER_TRIP] * 3 + [5]
    assert threading.get_ident() not in {thread for _, thread in trips}
    assert await stored_ids(engine) == sorted(ids)
