"""GET /api/stats: feedback insights over a small, known dataset, on both stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import uuid_utils

DAY1 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
DAY2 = datetime(2026, 1, 2, 23, 30, tzinfo=UTC)
RANGE = "since=2026-01-01T00:00:00Z&until=2026-01-03T00:00:00Z"


def interaction(interaction_id: str, created_at: datetime, app: str, model: str) -> dict:
    return {
        "id": interaction_id,
        "created_at": created_at,
        "app": app,
        "endpoint": "chat.completions",
        "upstream": "default",
        "model": model,
        "stream": False,
        "partial": False,
        "latency_ms": 0.0,
    }


def event(interaction_id: str, app: str, user: str, delay: float, **signal) -> dict:
    negative = signal.get("thumbs") == "down" or (signal.get("rating") or 5) <= 2 or "correction" in signal
    return {
        "id": str(uuid_utils.uuid7()),
        "interaction_id": interaction_id,
        "created_at": DAY1 + timedelta(seconds=delay),
        "app": app,
        "user_id": user,
        "thumbs": signal.get("thumbs"),
        "rating": signal.get("rating"),
        "correction": signal.get("correction"),
        "comment": signal.get("comment"),
        "negative": negative,
        "submitted_via": "token",
        "seconds_after_answer": delay,
    }


@pytest.fixture
async def dataset(gateway):
    """Day 1: a1, a2, a3 (app a, model m1) and b1 (app b, model m2); day 2: a4. Plus one interaction before the range."""
    services = gateway.services
    ids = {name: str(uuid_utils.uuid7()) for name in ("a1", "a2", "a3", "b1", "a4", "old")}
    await services.interactions.insert_many(
        [
            interaction(ids["a1"], DAY1, "a", "m1"),
            interaction(ids["a2"], DAY1, "a", "m1"),
            interaction(ids["a3"], DAY1, "a", "m1"),
            interaction(ids["b1"], DAY1, "b", "m2"),
            interaction(ids["a4"], DAY2, "a", "m1"),
            interaction(ids["old"], DAY1 - timedelta(days=1), "a", "m1"),
        ]
    )
    for row in [
        event(ids["a1"], "a", "u1", 10, thumbs="up"),  # superseded by u1's correction below
        event(ids["a1"], "a", "u2", 20, rating=5),
        event(ids["a1"], "a", "u1", 30, thumbs="down", correction="It is 42."),
        event(ids["a2"], "a", "u1", 40, rating=2),
        event(ids["b1"], "b", "u1", 100, comment="hmm"),
        event(ids["a4"], "a", "u1", 5, thumbs="up", rating=4),
        event(ids["old"], "a", "u1", 1, thumbs="down"),
    ]:
        await services.feedback_store.append(row)
    return ids


async def stats(client, admin_headers, query: str) -> dict:
    response = await client.get(f"/api/stats?{query}", headers=admin_headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_totals_count_each_users_current_feedback(client, admin_headers, dataset):
    totals = (await stats(client, admin_headers, RANGE))["totals"]

    assert totals == {
        "interactions": 5,
        "feedback": 5,
        "feedback_rate": 0.8,
        "positive_rate": 0.4,
        "negative_rate": 0.4,
        "mean_rating": pytest.approx(11 / 3),
        "corrections": 1,
        "median_seconds_to_feedback": 30.0,
    }


async def test_the_daily_series_has_every_day_of_the_range(client, admin_headers, dataset):
    daily = (await stats(client, admin_headers, RANGE))["daily"]

    assert daily == [
        {
            "date": "2026-01-01",
            "interactions": 4,
            "feedback": 4,
            "feedback_rate": 0.75,
            "positive_rate": 0.25,
            "negative_rate": 0.5,
            "mean_rating": 3.5,
            "corrections": 1,
            "median_seconds_to_feedback": 35.0,
        },
        {
            "date": "2026-01-02",
            "interactions": 1,
            "feedback": 1,
            "feedback_rate": 1.0,
            "positive_rate": 1.0,
            "negative_rate": 0.0,
            "mean_rating": 4.0,
            "corrections": 0,
            "median_seconds_to_feedback": 5.0,
        },
    ]


async def test_stats_for_one_app(client, admin_headers, dataset):
    totals = (await stats(client, admin_headers, f"{RANGE}&app=a"))["totals"]

    assert (totals["interactions"], totals["feedback"], totals["feedback_rate"]) == (4, 4, 0.75)


async def test_stats_for_one_model(client, admin_headers, dataset):
    totals = (await stats(client, admin_headers, f"{RANGE}&model=m2"))["totals"]

    assert totals == {
        "interactions": 1,
        "feedback": 1,
        "feedback_rate": 1.0,
        "positive_rate": 0.0,
        "negative_rate": 0.0,
        "mean_rating": None,
        "corrections": 0,
        "median_seconds_to_feedback": 100.0,
    }


async def test_stats_grouped_by_app_give_each_apps_totals_busiest_first(client, admin_headers, dataset):
    report = await stats(client, admin_headers, f"{RANGE}&group_by=app")

    assert [(g["app"], g["interactions"], g["feedback"], g["negative_rate"]) for g in report["groups"]] == [
        ("a", 4, 4, 0.5),
        ("b", 1, 1, 0.0),
    ]
    assert report["totals"]["interactions"] == 5


async def test_stats_grouped_by_model_within_one_app(client, admin_headers, dataset):
    groups = (await stats(client, admin_headers, f"{RANGE}&app=b&group_by=model"))["groups"]

    assert [(g["model"], g["interactions"], g["median_seconds_to_feedback"]) for g in groups] == [("m2", 1, 100.0)]


async def test_stats_without_group_by_have_no_groups(client, admin_headers, dataset):
    assert "groups" not in await stats(client, admin_headers, RANGE)


async def test_an_unknown_group_by_is_refused(client, admin_headers, gateway):
    response = await client.get("/api/stats?group_by=user", headers=admin_headers)

    assert response.status_code == 400
    assert "group_by" in response.text


@pytest.mark.parametrize("name", ["app", "model"])
@pytest.mark.parametrize("blank", ["", "  "])
async def test_a_blank_app_or_model_is_refused_not_read_as_one_with_no_calls(
    client, admin_headers, dataset, name, blank
):
    response = await client.get(f"/api/stats?{RANGE}", params={name: blank}, headers=admin_headers)

    assert response.status_code == 400
    assert response.json()["detail"] == (f"'{name}' must not be blank: give a value, or leave it out for every {name}")


async def test_a_quiet_range_has_no_rates_rather_than_zero_rates(client, admin_headers, dataset):
    report = await stats(client, admin_headers, "since=2025-06-01T00:00:00Z&until=2025-06-02T00:00:00Z")

    assert report["totals"]["interactions"] == 0
    assert report["totals"]["feedback_rate"] is None
    assert [day["date"] for day in report["daily"]] == ["2025-06-01"]


async def test_the_default_range_is_the_last_30_days(client, admin_headers, gateway):
    report = await stats(client, admin_headers, "")

    since = datetime.fromisoformat(report["since"].replace("Z", "+00:00"))
    until = datetime.fromisoformat(report["until"].replace("Z", "+00:00"))
    assert until - since == timedelta(days=30)
    assert len(report["daily"]) == 31  # a partial day at each end


async def test_stats_need_the_admin_token(client, gateway):
    response = await client.get("/api/stats")

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z", "'since' must be earlier than 'until'"),
        ("since=2020-01-01T00:00:00Z&until=2026-01-01T00:00:00Z", "at most 400 days"),
        ("since=yesterday", "since"),
        ("since=0001-01-01T00:00:00%2B08:00&until=2026-01-01T00:00:00Z", "'since' is outside the range"),
        ("until=0001-01-02T00:00:00Z", "'until' is too early"),
    ],
)
async def test_bad_ranges_are_refused(client, admin_headers, gateway, query, message):
    response = await client.get(f"/api/stats?{query}", headers=admin_headers)

    assert response.status_code == 400
    assert message in str(response.json())


async def test_stats_for_an_app_with_no_recorded_call_say_so_beside_the_zeros(client, admin_headers, dataset):
    response = await client.get(f"/api/stats?{RANGE}&app=aa", headers=admin_headers)

    assert response.status_code == 200
    body = response.json()
    assert body["totals"]["interactions"] == 0
    [warning] = body["warnings"]
    assert warning.startswith("no calls from app 'aa' have been recorded; the report applies only")
    assert warning.endswith("(apps seen: a, b)")


async def test_stats_for_a_seen_app_carry_no_warning(client, admin_headers, dataset):
    response = await client.get(f"/api/stats?{RANGE}&app=a", headers=admin_headers)

    assert response.json()["warnings"] == []
