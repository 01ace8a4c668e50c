"""The offset-paged listings (/api/issues, /api/kb, /api/reviews) walk every row exactly once, ties and all.

Offset paging is only sound over a total order: rows that tie on every sort key may come back in
another order on the next page's query (PostgreSQL's top-N sort is free to), so a client walking the
pages would see one row twice and never see another. Each sort each listing offers ends on the
row's id. The rows here tie on every other key, their ids sorting nothing like their insertion.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from gateway.store.knowledge_search import tag_text
from gateway.store.tables import issues, knowledge_entries, review_tasks

NOW = datetime.now(UTC).replace(microsecond=0)
# More rows than a few pages hold; ids of every shape (imported and test ids are any text).
IDS = [str(uuid.uuid4()) for _ in range(14)] + ["b", "a7", "conv2", "c", "0", "zz", "A", "conv10"]
PAGE = 3


async def every_row(client: Any, admin_headers: dict[str, str], path: str, **params: Any) -> list[str]:
    """The ids of every page of an offset-paged listing, in the order shown, following next_offset to the end."""
    shown: list[str] = []
    offset: int | None = 0
    while offset is not None:
        assert len(shown) <= 10 * len(IDS), "the listing never ended"
        response = await client.get(path, params={**params, "limit": PAGE, "offset": offset}, headers=admin_headers)
        assert response.status_code == 200, response.text
        body = response.json()
        shown += [item["id"] for item in body["data"]]
        offset = body["next_offset"]
    return shown


def issue_row(issue_id: str) -> dict[str, Any]:
    # No history: every issue's growth is its whole size, so size and growth both tie.
    return {
        "id": issue_id,
        "app": "support-bot",
        "title": "refunds",
        "status": "new",
        "size": 5,
        "negative_count": 5,
        "created_at": NOW,
        "updated_at": NOW,
    }


def entry_row(entry_id: str) -> dict[str, Any]:
    return {
        "id": entry_id,
        "app": "support-bot",
        "title": "refunds",
        "content": "within 30 days",
        "example_questions": [],
        "tags": [],
        "active": True,
        "version": 1,
        "author": "admin-token",
        "created_at": NOW,
        "updated_at": NOW,
        "search_text": "refunds",
        "tag_text": tag_text([]),
    }


def task_row(task_id: str) -> dict[str, Any]:
    return {
        "id": task_id,
        "app": "support-bot",
        "source": "manual",
        "reason": "look",
        "priority": "medium",
        "status": "open",
        "deadline": NOW + timedelta(days=1),
        "second_opinion": False,
        "round": 1,
        "created_at": NOW,
        "updated_at": NOW,
    }


async def insert_rows(gateway: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    async with gateway.services.engine.begin() as connection:
        await connection.execute(insert(table), rows)


@pytest.mark.parametrize("sort", ["size", "growth"])
async def test_walking_issues_that_tie_shows_each_once(client, gateway, admin_headers, sort):
    await insert_rows(gateway, issues, [issue_row(issue_id) for issue_id in IDS])

    shown = await every_row(client, admin_headers, "/api/issues", sort=sort)

    assert sorted(shown) == sorted(IDS)


async def test_walking_entries_changed_at_one_time_shows_each_once(client, gateway, admin_headers):
    await insert_rows(gateway, knowledge_entries, [entry_row(entry_id) for entry_id in IDS])

    shown = await every_row(client, admin_headers, "/api/kb")

    assert sorted(shown) == sorted(IDS)


@pytest.mark.parametrize("sort", ["queue", "newest"])
async def test_walking_tasks_that_tie_shows_each_once(client, gateway, admin_headers, sort):
    await insert_rows(gateway, review_tasks, [task_row(task_id) for task_id in IDS])

    shown = await every_row(client, admin_headers, "/api/reviews", sort=sort)

    assert sorted(shown) == sorted(IDS)
