"""InteractionService without HTTP, on both stores: listing, finding by either id, feedback, and the writer rule."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import uuid_utils
from interaction_rows import interaction_row

from gateway.domain.errors import InvalidQuery
from gateway.domain.interactions import InteractionService, Usage
from gateway.domain.paging import position_cursor
from gateway.store.feedback import FeedbackStore
from gateway.store.interactions import InteractionFilter, InteractionStore

from .rows import HoldingWriter, feedback_row, gateway_id

FLUSH_INTERVAL = 60.0  # longer than any test: a second flush would be a broken limit, not a new interval


@pytest.fixture
def store(engine) -> InteractionStore:
    return InteractionStore(engine)


@pytest.fixture
def writer(store) -> HoldingWriter:
    return HoldingWriter(store)


@pytest.fixture
def service(engine, store, writer) -> InteractionService:
    return InteractionService(
        store=store, feedback_store=FeedbackStore(engine), writer=writer, flush_interval=FLUSH_INTERVAL
    )


async def test_listing_pages_newest_first_with_a_cursor(service, store):
    rows = [interaction_row() for _ in range(5)]
    await store.insert_many(rows)

    first = await service.list(InteractionFilter(), limit=3)
    second = await service.list(InteractionFilter(), limit=3, cursor=first.next_cursor)

    assert [i.id for i in first.data + second.data] == [row["id"] for row in reversed(rows)]
    last = first.data[-1]
    assert (first.paging, first.next_cursor, second.next_cursor) == (
        "cursor",
        position_cursor(last.created_at, last.id),
        None,
    )


@pytest.mark.parametrize("cursor", ["junk", "%%%", "", "x" * 500])
async def test_listing_refuses_a_cursor_no_page_gave_out(service, store, cursor):
    await store.insert_many([interaction_row() for _ in range(3)])

    with pytest.raises(InvalidQuery) as refused:
        await service.list(InteractionFilter(), limit=2, cursor=cursor)

    assert (refused.value.field, refused.value.message) == (
        "cursor",
        "'cursor' must be the next_cursor of a previous page",
    )


async def test_listing_pages_past_an_imported_id_of_any_text(service, store):
    # Imported interactions keep their own ids: any text of up to 36 characters.
    rows = [interaction_row(), interaction_row()]
    rows[0]["id"], rows[1]["id"] = "0 imported é", "1 imported %"
    await store.insert_many(rows)

    first = await service.list(InteractionFilter(), limit=1)
    second = await service.list(InteractionFilter(), limit=1, cursor=first.next_cursor)

    assert [i.id for i in first.data + second.data] == ["1 imported %", "0 imported é"]


async def test_listing_filters_by_app_and_a_naive_range_means_utc(service, store):
    now = datetime.now(UTC)
    old = interaction_row("a", created_at=now - timedelta(days=2))
    await store.insert_many([interaction_row("a"), interaction_row("b"), old])

    since = (now - timedelta(hours=1)).replace(tzinfo=None)
    page = await service.list(InteractionFilter(app="a", since=since), limit=10)

    assert [i.app for i in page.data] == ["a"]


async def test_a_reversed_range_is_an_invalid_query(service):
    with pytest.raises(InvalidQuery) as refused:
        reversed_range = InteractionFilter(
            since=datetime(2026, 2, 1, tzinfo=UTC), until=datetime(2026, 1, 1, tzinfo=UTC)
        )
        await service.list(reversed_range, 10)

    assert (refused.value.field, refused.value.message) == ("since", "'since' must be earlier than 'until'")


async def test_an_interaction_is_found_by_either_id_as_a_typed_record(service, store):
    row = interaction_row(upstream_response_id="chatcmpl-1", prompt_tokens=3, completion_tokens=4, total_tokens=7)
    await store.insert_many([row])

    by_gateway_id, by_upstream_id = await service.find(row["id"]), await service.find("chatcmpl-1")

    assert by_gateway_id == by_upstream_id
    assert by_gateway_id.usage == Usage(3, 4, 7)
    assert by_gateway_id.created_at.utcoffset() == timedelta(0)
    assert by_gateway_id.answered_at == by_gateway_id.created_at + timedelta(milliseconds=120)


async def test_an_interaction_comes_with_every_event_and_each_users_current_one(service, engine, store):
    row = interaction_row()
    await store.insert_many([row])
    feedback = FeedbackStore(engine)
    for user, signal in [("ann", {"thumbs": "up"}), ("bob", {"rating": 4}), ("ann", {"thumbs": "down"})]:
        await feedback.append(feedback_row(row["id"], user, **signal))

    found = await service.get_with_feedback(row["id"])

    assert found.interaction.id == row["id"]
    assert [(e.user_id, e.thumbs, e.rating) for e in found.events] == [
        ("ann", "up", None),
        ("bob", None, 4),
        ("ann", "down", None),
    ]
    assert [(e.user_id, e.thumbs) for e in found.current] == [("bob", None), ("ann", "down")]
    assert found.events[2].negative is True


async def test_an_unknown_interaction_is_none(service):
    assert await service.get_with_feedback("chatcmpl-nope") is None


# -- the writer's buffer -------------------------------------------------------------------------


async def test_an_interaction_still_in_the_writers_buffer_is_found_after_one_flush(service, writer):
    row = interaction_row(upstream_response_id="chatcmpl-fresh")
    writer.held.append(row)

    found = await service.find(row["id"])

    assert found is not None and found.id == row["id"]
    assert writer.flushes == 1


async def test_a_buffered_interaction_is_found_by_its_upstream_id_too(service, writer):
    writer.held.append(interaction_row(upstream_response_id="chatcmpl-fresh"))

    assert (await service.find("chatcmpl-fresh")) is not None
    assert writer.flushes == 1


@pytest.mark.parametrize(
    "unknown",
    [
        str(uuid.uuid4()),
        gateway_id(datetime.now(UTC) - timedelta(days=1)),
        gateway_id(datetime.now(UTC) + timedelta(days=1)),
        str(uuid_utils.uuid7()).upper(),
    ],
    # Named, not shown: random ids would differ between the processes of a parallel run.
    ids=["uuid4", "a-day-old", "a-day-ahead", "upper-case"],
)
async def test_an_id_the_writer_cannot_hold_never_flushes_it(service, writer, unknown):
    writer.held.append(interaction_row())

    assert await service.find(unknown) is None
    assert (writer.flushes, writer.waits, writer.backlog) == (0, 0, 1)


async def test_an_unknown_recent_gateway_id_flushes_the_writer(service, writer):
    writer.held.append(interaction_row())

    assert await service.find(str(uuid_utils.uuid7())) is None
    assert (writer.flushes, writer.backlog) == (1, 0)


async def test_with_nothing_buffered_a_miss_is_final(service, writer):
    assert await service.find(str(uuid_utils.uuid7())) is None
    assert (writer.flushes, writer.waits) == (0, 0)


async def test_rapid_misses_flush_at_most_once_per_interval(service, writer):
    for _ in range(20):
        writer.held.append(interaction_row())
        assert await service.find(str(uuid_utils.uuid7())) is None

    # One flush; every later miss waited for the writer's own next batch instead.
    assert (writer.flushes, writer.waits) == (1, 19)


async def test_concurrent_misses_share_one_flush(service, writer):
    rows = [interaction_row() for _ in range(10)]
    writer.held.extend(rows)

    found = await asyncio.gather(*(service.find(row["id"]) for row in rows))

    assert [i.id for i in found] == [row["id"] for row in rows]
    assert writer.flushes == 1
