"""The admin listings (/api/interactions, /api/feedback) are newest first by time, whatever the ids look like.

Imported rows keep the ids of their file (any text), so an id says nothing about when a row was made:
the listings order by created_at, the id only breaking ties, and page by that pair.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
import uuid_utils
from interaction_rows import interaction_row

from gateway.imports.jsonl import import_jsonl
from gateway.store.feedback import FeedbackStore
from gateway.store.interactions import InteractionStore

NOW = datetime.now(UTC).replace(microsecond=0)


def feedback_row(row_id: str, interaction_id: str, at: datetime) -> dict[str, Any]:
    return {
        "id": row_id,
        "interaction_id": interaction_id,
        "created_at": at,
        "app": "support-bot",
        "user_id": f"user-{row_id}",
        "thumbs": "down",
        "negative": True,
        "submitted_via": "app",
    }


def import_line(row_id: str, at: datetime, feedback_at: tuple[datetime, ...] = ()) -> dict[str, Any]:
    return {
        "id": row_id,
        "app": "support-bot",
        "created_at": at.isoformat(),
        "request": {"model": "gpt-test", "messages": [{"role": "user", "content": f"question {row_id}"}]},
        "feedback": [
            {"thumbs": "down", "user_id": f"u{n}", "created_at": t.isoformat()} for n, t in enumerate(feedback_at)
        ],
    }


async def import_lines(gateway, tmp_path: Path, lines: list[dict[str, Any]]) -> None:
    path = tmp_path / "history.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(line) for line in lines) + b"\n")
    report = await import_jsonl(gateway.services.engine, path)
    assert report.errors == []


async def every_page(client, admin_headers, path: str, **params: Any) -> list[list[str]]:
    """The ids of each page of a listing, following next_cursor to the end."""
    pages: list[list[str]] = []
    cursor = None
    while len(pages) < 50:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(path, params=query, headers=admin_headers)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append([item["id"] for item in body["data"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
    raise AssertionError("the listing never ended")


async def test_imported_interactions_list_by_time_among_live_ones(client, gateway, admin_headers, tmp_path):
    live_before, live_after = str(uuid_utils.uuid7()), str(uuid_utils.uuid7())
    await InteractionStore(gateway.services.engine).insert_many(
        [
            interaction_row(id=live_before, created_at=NOW - timedelta(hours=2)),
            interaction_row(id=live_after, created_at=NOW),
        ]
    )
    # Ids that sort nothing like their times: text, a UUIDv4, one that sorts after every UUID.
    v4 = str(uuid.uuid4())
    await import_lines(
        gateway,
        tmp_path,
        [
            import_line("conv-17", NOW - timedelta(days=3)),
            import_line("conv-3", NOW - timedelta(hours=1)),
            import_line(v4, NOW - timedelta(days=5)),
            import_line("zzz", NOW - timedelta(days=4)),
        ],
    )

    [listed] = await every_page(client, admin_headers, "/api/interactions")

    assert listed == [live_after, "conv-3", live_before, "conv-17", "zzz", v4]


async def test_imported_feedback_lists_by_time_among_live_events(client, gateway, admin_headers, tmp_path):
    live = str(uuid_utils.uuid7())
    await InteractionStore(gateway.services.engine).insert_many(
        [interaction_row(id="live-1", created_at=NOW - timedelta(minutes=2))]
    )
    await FeedbackStore(gateway.services.engine).append(feedback_row(live, "live-1", NOW - timedelta(minutes=1)))
    # Imported events get ids minted now, yet were given days ago.
    await import_lines(
        gateway,
        tmp_path,
        [import_line("conv-1", NOW - timedelta(days=3), (NOW - timedelta(days=2), NOW - timedelta(days=3)))],
    )

    [listed] = await every_page(client, admin_headers, "/api/feedback")

    imported = await FeedbackStore(gateway.services.engine).for_interaction("conv-1")
    assert listed == [live] + [event["id"] for event in reversed(imported)]
    assert [event["created_at"] for event in imported] == [NOW - timedelta(days=3), NOW - timedelta(days=2)]


async def test_paging_through_interactions_of_one_time_neither_skips_nor_repeats(client, gateway, admin_headers):
    same_time = ["b", "a7", "conv2", "c", str(uuid.uuid4()), "0"]
    rows = [interaction_row(id=row_id, created_at=NOW - timedelta(hours=1)) for row_id in same_time]
    rows += [
        interaction_row(id="newer", created_at=NOW),
        interaction_row(id="older", created_at=NOW - timedelta(hours=2)),
    ]
    await InteractionStore(gateway.services.engine).insert_many(rows)

    pages = await every_page(client, admin_headers, "/api/interactions", limit=2)

    assert [row_id for page in pages for row_id in page] == ["newer", *sorted(same_time, reverse=True), "older"]
    assert [len(page) for page in pages] == [2, 2, 2, 2]


async def test_paging_through_feedback_of_one_time_neither_skips_nor_repeats(client, gateway, admin_headers):
    store = FeedbackStore(gateway.services.engine)
    await InteractionStore(gateway.services.engine).insert_many(
        [interaction_row(id="conv-1", created_at=NOW - timedelta(hours=2))]
    )
    same_time = [str(uuid_utils.uuid7()) for _ in range(5)] + ["imported-9", "imported-10"]
    for row_id in same_time:
        await store.append(feedback_row(row_id, "conv-1", NOW - timedelta(hours=1)))

    pages = await every_page(client, admin_headers, "/api/feedback", limit=3)

    assert [row_id for page in pages for row_id in page] == sorted(same_time, reverse=True)
    assert [len(page) for page in pages] == [3, 3, 1]


async def test_a_time_range_pages_with_a_cursor_through_every_row_in_it_once(client, gateway, admin_headers):
    # Ids in the reverse of time order, and two rows at t5 that a page boundary falls between.
    times = {f"id-{9 - n}": NOW - timedelta(hours=10 - n) for n in range(10)}
    times["id-4b"] = times["id-4"]
    await InteractionStore(gateway.services.engine).insert_many(
        [interaction_row(id=row_id, created_at=at) for row_id, at in times.items()]
    )
    since, until = NOW - timedelta(hours=8), NOW - timedelta(hours=2)

    pages = await every_page(
        client, admin_headers, "/api/interactions", limit=3, since=since.isoformat(), until=until.isoformat()
    )

    # t2..t7 hold id-7 .. id-2 (and id-4b beside id-4): newest (t7: id-2) first.
    assert pages == [["id-2", "id-3", "id-4b"], ["id-4", "id-5", "id-6"], ["id-7"]]


def id_only_cursor(row_id: str) -> str:
    """A cursor as the listings gave them out before they ordered by time: the id and a check of it."""
    raw = row_id.encode()
    check = hashlib.blake2b(raw, digest_size=4, person=b"feedgate-cursor").digest()
    return base64.urlsafe_b64encode(raw + check).decode("ascii").rstrip("=")


@pytest.mark.parametrize("path", ["/api/interactions", "/api/feedback"])
async def test_an_id_only_cursor_from_before_time_order_is_a_400_saying_what_to_pass(
    client, gateway, admin_headers, path
):
    await InteractionStore(gateway.services.engine).insert_many([interaction_row(id="conv-1", created_at=NOW)])

    response = await client.get(path, params={"cursor": id_only_cursor("conv-1")}, headers=admin_headers)

    assert response.status_code == 400
    assert response.json()["detail"] == "'cursor' must be the next_cursor of a previous page"


@pytest.mark.parametrize("path", ["/api/interactions", "/api/feedback"])
@pytest.mark.parametrize(
    "raw", [b"999999999999999999 conv-1", b"1795168800000000 conv\x00x"], ids=["impossible time", "NUL in the id"]
)
async def test_a_forged_cursor_that_is_no_position_is_a_400_not_a_500(client, admin_headers, path, raw):
    check = hashlib.blake2b(raw, digest_size=4, person=b"feedgate-time-id").digest()
    cursor = base64.urlsafe_b64encode(raw + check).decode("ascii").rstrip("=")

    response = await client.get(path, params={"cursor": cursor}, headers=admin_headers)

    assert response.status_code == 400
    assert response.json()["detail"] == "'cursor' must be the next_cursor of a previous page"
