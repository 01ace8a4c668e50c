"""GET /api/feedback: feedback events for admins, filtered and paged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from feedback_helpers import APP_KEY, OTHER_APP_KEY


@pytest.fixture
async def dataset(answer, post_feedback):
    """Four events: on app A a thumbs-up, a thumbs-down and a correction; on app B a comment."""
    mine, other = await answer(APP_KEY), await answer(OTHER_APP_KEY)
    ids = {}
    for name, given, signal in [
        ("up", mine, {"thumbs": "up"}),
        ("down", mine, {"thumbs": "down"}),
        ("correction", mine, {"correction": "It is 42."}),
        ("comment", other, {"comment": "ok"}),
    ]:
        response = await post_feedback({"interaction_id": given.interaction_id, **signal}, token=given.token)
        ids[name] = response.json()["id"]
    return ids


async def listed(client, admin_headers, query: str = "") -> list[str]:
    response = await client.get(f"/api/feedback?{query}", headers=admin_headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


async def test_listing_is_newest_first(client, admin_headers, dataset):
    assert await listed(client, admin_headers) == [dataset[n] for n in ("comment", "correction", "down", "up")]


async def test_listing_filters_negative_feedback(client, admin_headers, dataset):
    assert await listed(client, admin_headers, "negative=true") == [dataset["correction"], dataset["down"]]


async def test_listing_filters_feedback_with_a_correction(client, admin_headers, dataset):
    assert await listed(client, admin_headers, "has_correction=true") == [dataset["correction"]]


async def test_listing_filters_by_app(client, admin_headers, dataset):
    app = (await client.get("/api/feedback?limit=1", headers=admin_headers)).json()["data"][0]["app"]

    assert await listed(client, admin_headers, f"app={app}") == [dataset["comment"]]


async def test_listing_filters_by_time_range(client, admin_headers, dataset):
    now = datetime.now(UTC)
    past = (now - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    future = (now + timedelta(hours=1)).isoformat().replace("+00:00", "Z")

    assert len(await listed(client, admin_headers, f"since={past}&until={future}")) == 4
    assert await listed(client, admin_headers, f"since={future}") == []
    assert await listed(client, admin_headers, f"until={past}") == []


async def test_listing_pages_with_a_cursor(client, admin_headers, dataset):
    first = (await client.get("/api/feedback?limit=3", headers=admin_headers)).json()
    second = (await client.get(f"/api/feedback?limit=3&cursor={first['next_cursor']}", headers=admin_headers)).json()

    seen = [item["id"] for item in first["data"] + second["data"]]
    assert seen == [dataset[n] for n in ("comment", "correction", "down", "up")]
    assert second["next_cursor"] is None


async def test_listing_needs_the_admin_token(client, dataset):
    response = await client.get("/api/feedback")

    assert response.status_code == 401


async def test_a_reversed_time_range_is_refused(client, admin_headers):
    response = await client.get(
        "/api/feedback?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z", headers=admin_headers
    )

    assert response.status_code == 400
    assert "'since' must be earlier than 'until'" in response.json()["detail"]


@pytest.mark.parametrize("cursor", ["%25%25%25", "junk", ""])
async def test_listing_refuses_a_cursor_no_page_gave_out(client, admin_headers, dataset, cursor):
    response = await client.get(f"/api/feedback?limit=3&cursor={cursor}", headers=admin_headers)

    assert response.status_code == 400
    assert response.json()["detail"] == "'cursor' must be the next_cursor of a previous page"
