"""Following /api/interactions and /api/feedback in the order rows were stored (`stored_after`), on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from interaction_rows import interaction_row

from gateway.store.feedback import FeedbackStore
from gateway.store.import_batches import ImportStore
from gateway.store.interactions import InteractionStore
from tests.domain.rows import feedback_row as feedback_store_row

NOW = datetime.now(UTC).replace(microsecond=0)
TOKEN_MESSAGE = "'stored_after' must be 'start', 'now' or the next_stored_after of a previous /api/interactions answer"


async def follow(
    client: Any, headers: dict[str, str], token: str, path: str = "/api/interactions", **params: Any
) -> tuple[list[str], str]:
    response = await client.get(path, params={"stored_after": token, **params}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["next_cursor"] is None
    return [row["id"] for row in body["data"]], body["next_stored_after"]


async def test_pages_of_a_follow_list_every_row_once_in_the_order_stored(client, gateway, admin_headers):
    store = InteractionStore(gateway.services.engine)
    # Stored in three batches, each older by created_at than the one before.
    batches = [[f"b{b}-{n}" for n in range(3)] for b in range(3)]
    for b, ids in enumerate(batches):
        await store.insert_many([interaction_row(id=row_id, created_at=NOW - timedelta(hours=b)) for row_id in ids])

    seen: list[str] = []
    token = "start"
    for _ in range(10):
        page, token = await follow(client, admin_headers, token, limit=2)
        if not page:
            break
        seen += page

    assert seen == [row_id for ids in batches for row_id in ids]


async def test_a_row_stored_late_with_an_older_time_is_listed_by_the_next_read(client, gateway, admin_headers):
    store = InteractionStore(gateway.services.engine)
    await store.insert_many([interaction_row(id="newest", created_at=NOW)])
    first, token = await follow(client, admin_headers, "start")
    await store.insert_many([interaction_row(id="stored-late", created_at=NOW - timedelta(days=2))])

    second, token = await follow(client, admin_headers, token)
    third, _ = await follow(client, admin_headers, token)

    assert (first, second, third) == (["newest"], ["stored-late"], [])


async def test_a_replayed_row_already_stored_is_not_listed_again(client, gateway, admin_headers):
    store = InteractionStore(gateway.services.engine)
    await store.insert_many([interaction_row(id="once", created_at=NOW)])
    first, token = await follow(client, admin_headers, "start")
    # A spool replay of a batch that was stored after all: its ids are skipped.
    await store.insert_many([interaction_row(id="once", created_at=NOW), interaction_row(id="new", created_at=NOW)])

    second, _ = await follow(client, admin_headers, token)

    assert (first, second) == (["once"], ["new"])


async def test_imported_rows_are_listed_when_imported(client, gateway, admin_headers):
    store = InteractionStore(gateway.services.engine)
    await store.insert_many([interaction_row(id="live", created_at=NOW)])
    _, token = await follow(client, admin_headers, "start")
    rows = [
        {**interaction_row(id=f"conv-{n}", created_at=NOW - timedelta(days=300 + n)), "request": None} for n in range(2)
    ]
    await ImportStore(gateway.services.engine).insert_batch(rows, [])

    imported, _ = await follow(client, admin_headers, token)

    assert imported == ["conv-0", "conv-1"]


async def test_following_from_now_lists_only_rows_stored_afterwards(client, gateway, admin_headers):
    store = InteractionStore(gateway.services.engine)
    await store.insert_many([interaction_row(id="before", created_at=NOW)])
    nothing, token = await follow(client, admin_headers, "now")
    await store.insert_many([interaction_row(id="after", created_at=NOW - timedelta(minutes=5))])

    listed, _ = await follow(client, admin_headers, token)

    assert (nothing, listed) == ([], ["after"])


async def test_a_follow_of_one_app_moves_past_other_apps_rows(client, gateway, admin_headers):
    store = InteractionStore(gateway.services.engine)
    await store.insert_many([interaction_row("mine", id="mine-1", created_at=NOW)])
    await store.insert_many([interaction_row("other", id=f"other-{n}", created_at=NOW) for n in range(3)])
    first, token = await follow(client, admin_headers, "start", app="mine")
    await store.insert_many([interaction_row("mine", id="mine-2", created_at=NOW)])

    second, _ = await follow(client, admin_headers, token, app="mine")

    assert (first, second) == (["mine-1"], ["mine-2"])


async def test_a_token_the_listing_did_not_give_is_a_400_saying_what_to_send(client, gateway, admin_headers):
    store = InteractionStore(gateway.services.engine)
    await store.insert_many([interaction_row(id=f"row-{n}", created_at=NOW - timedelta(seconds=n)) for n in range(2)])
    by_time = await client.get("/api/interactions", params={"limit": 1}, headers=admin_headers)
    next_cursor = by_time.json()["next_cursor"]

    for token in (next_cursor, "12", "", "start "):
        response = await client.get("/api/interactions", params={"stored_after": token}, headers=admin_headers)
        assert response.status_code == 400, (token, response.text)
        assert TOKEN_MESSAGE in response.text


async def test_a_follow_refuses_the_filters_of_listings_by_time(client, gateway, admin_headers):
    response = await client.get(
        "/api/interactions", params={"stored_after": "start", "since": NOW.isoformat()}, headers=admin_headers
    )

    assert response.status_code == 400
    assert "'stored_after' reads app, model and limit only: leave out since" in response.text


def feedback_row(event_id: str, at: datetime) -> dict[str, Any]:
    return {**feedback_store_row("call", None, thumbs="down"), "id": event_id, "created_at": at}


async def test_a_feedback_event_imported_with_an_old_date_is_listed_once_by_the_next_read(
    client, gateway, admin_headers
):
    await InteractionStore(gateway.services.engine).insert_many([interaction_row(id="call", created_at=NOW)])
    feedback = FeedbackStore(gateway.services.engine)
    await feedback.append(feedback_row("posted", NOW))
    first, token = await follow(client, admin_headers, "start", path="/api/feedback")
    await ImportStore(gateway.services.engine).insert_batch([], [feedback_row("imported", NOW - timedelta(days=30))])

    second, token = await follow(client, admin_headers, token, path="/api/feedback")
    third, _ = await follow(client, admin_headers, token, path="/api/feedback")

    assert (first, second, third) == (["posted"], ["imported"], [])


async def test_a_token_of_the_interactions_is_a_400_on_the_feedback(client, gateway, admin_headers):
    _, token = await follow(client, admin_headers, "start")

    response = await client.get("/api/feedback", params={"stored_after": token}, headers=admin_headers)

    assert response.status_code == 400
    assert "the next_stored_after of a previous /api/feedback answer" in response.text
