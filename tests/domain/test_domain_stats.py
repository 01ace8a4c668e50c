"""StatsService without HTTP, on both stores: the range rules and the typed report."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from interaction_rows import interaction_row

from gateway.domain.errors import InvalidQuery
from gateway.domain.stats import StatsService
from gateway.store.daily_stats import DailyStatsStore
from gateway.store.feedback import FeedbackStore
from gateway.store.interactions import InteractionStore
from gateway.store.stats import StatsStore

from .rows import feedback_row

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def service(engine) -> StatsService:
    raw = StatsStore(engine)
    return StatsService(DailyStatsStore(engine, raw), clock=lambda: NOW)


async def test_the_report_has_totals_every_day_and_the_groups_asked_for(service, engine):
    day = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    rows = [
        interaction_row("a", created_at=day),
        interaction_row("a", created_at=day),
        interaction_row("b", created_at=day),
    ]
    await InteractionStore(engine).insert_many(rows)
    await FeedbackStore(engine).append(feedback_row(rows[0]["id"], "ann", thumbs="down"))

    report = await service.report(datetime(2026, 3, 8, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC), group_by="app")

    assert (report.totals.interactions, report.totals.feedback, report.totals.negative_rate) == (3, 1, 1.0)
    assert [(d.day, d.summary.interactions) for d in report.daily] == [(date(2026, 3, 8), 0), (date(2026, 3, 9), 3)]
    assert [(g.key, g.summary.interactions, g.summary.feedback_rate) for g in report.groups] == [
        ("a", 2, 0.5),
        ("b", 1, 0.0),
    ]


async def test_the_default_range_is_the_30_days_before_now(service):
    report = await service.report()

    assert (report.since, report.until) == (NOW - timedelta(days=30), NOW)
    assert report.group_by is None and report.groups is None


async def test_a_naive_time_means_utc(service):
    report = await service.report(until=datetime(2026, 3, 1))  # noqa: DTZ001 - naive on purpose

    assert report.until == datetime(2026, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("since", "until", "field", "message"),
    [
        (
            datetime(2026, 2, 1, tzinfo=UTC),
            datetime(2026, 1, 1, tzinfo=UTC),
            "since",
            "'since' must be earlier than 'until'",
        ),
        (NOW + timedelta(days=1), None, "since", "'since' must be earlier than 'until'"),
        (
            datetime(2020, 1, 1, tzinfo=UTC),
            None,
            "since",
            "the range from 'since' to 'until' may span at most 400 days",
        ),
        (
            None,
            datetime(1, 1, 2, tzinfo=UTC),
            "until",
            "'until' is too early for the default 30-day range; give 'since' too",
        ),
    ],
)
async def test_bad_ranges_are_invalid_queries(service, since, until, field, message):
    with pytest.raises(InvalidQuery) as refused:
        await service.report(since, until)

    assert (refused.value.field, refused.value.message) == (field, message)


async def test_whole_days_come_from_roll_ups_and_partial_days_only_count_their_part(service, engine):
    day = datetime(2026, 3, 6, tzinfo=UTC)
    hours = (0.5, 12, 24 + 3, 24 + 20, 48 + 10, 48 + 20)
    await InteractionStore(engine).insert_many(
        [interaction_row("a", created_at=day + timedelta(hours=h)) for h in hours]
    )

    report = await service.report(day + timedelta(hours=6), day + timedelta(hours=48 + 12))

    assert report.totals.interactions == 4
    assert [d.summary.interactions for d in report.daily] == [1, 2, 1]


async def test_a_report_sees_an_interaction_stored_after_the_last_one(service, engine):
    day = datetime(2026, 3, 6, 9, tzinfo=UTC)
    store = InteractionStore(engine)
    await store.insert_many([interaction_row("a", created_at=day)])
    await service.report(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 9, tzinfo=UTC))

    await store.insert_many([interaction_row("a", created_at=day)])
    report = await service.report(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 9, tzinfo=UTC))

    assert report.totals.interactions == 2
