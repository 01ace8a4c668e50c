"""Which apps the gateway has seen, on both stores: the app fields' list and the warning on a change for an unseen app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from interaction_rows import interaction_row

from gateway.domain.seen_apps import LIST_SECONDS, NAMED_IN_WARNING, SeenApps, unseen_app_warning
from gateway.store.daily_stats import DailyStatsStore
from gateway.store.interactions import InteractionStore
from gateway.store.keys import GatewayKeyStore
from gateway.store.seen_apps import SeenApp, SeenAppStore
from gateway.store.stats import StatsStore

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def record(engine, app: str, at: datetime = MONDAY) -> None:
    await InteractionStore(engine).insert_many([interaction_row(app, created_at=at)])


async def test_an_app_with_a_recorded_call_is_known_and_a_mistyped_one_is_not(engine):
    await record(engine, "bank")
    store = SeenAppStore(engine)

    assert await store.is_known("bank")
    assert not await store.is_known("bnak")


async def test_an_app_with_a_live_gateway_key_is_known_before_its_first_call(engine):
    keys = GatewayKeyStore(engine)
    await keys.issue("checkout")
    revoked = await keys.issue("old-app")
    await keys.revoke(revoked.id)
    store = SeenAppStore(engine)

    assert await store.is_known("checkout")
    assert not await store.is_known("old-app")


async def test_recent_apps_come_from_the_roll_ups_and_the_days_not_rolled_up_yet(engine):
    await record(engine, "bank", MONDAY)
    await record(engine, "support", MONDAY + timedelta(days=2))
    await DailyStatsStore(engine, StatsStore(engine)).refresh()  # bank and support are rolled up now
    await record(engine, "fresh", MONDAY + timedelta(days=1))  # only marked stale so far
    await GatewayKeyStore(engine).issue("keyed")

    assert await SeenAppStore(engine).recent(10) == [
        SeenApp("support", "2026-03-04"),
        SeenApp("fresh", "2026-03-03"),
        SeenApp("bank", "2026-03-02"),
        SeenApp("keyed", None),
    ]


async def test_recent_apps_stop_at_the_limit_keeping_the_latest(engine):
    for day, app in enumerate(("a", "b", "c")):
        await record(engine, app, MONDAY + timedelta(days=day))

    assert [app.name for app in await SeenAppStore(engine).recent(2)] == ["c", "b"]


async def test_a_change_for_a_seen_app_has_no_warning(engine):
    await record(engine, "bank")

    assert await SeenApps(SeenAppStore(engine)).warnings("bank", "entry") == []


async def test_a_change_for_an_unseen_app_is_warned_about_naming_the_seen_apps(engine):
    await record(engine, "support")
    await record(engine, "bank")

    assert await SeenApps(SeenAppStore(engine)).warnings("nosuchapp", "entry") == [
        "no calls from app 'nosuchapp' have been recorded; the entry applies only to that app's calls "
        "(apps seen: bank, support)"
    ]


def test_the_warning_names_at_most_ten_apps():
    seen = [f"app-{n:02}" for n in range(NAMED_IN_WARNING + 1)]

    warning = unseen_app_warning("x", "version", seen)

    assert warning.endswith(
        "(apps seen: app-00, app-01, app-02, app-03, app-04, app-05, app-06, app-07, app-08, app-09, …)"
    )


def test_the_warning_says_when_no_app_has_calls_yet():
    assert unseen_app_warning("bank", "goal", []) == (
        "no calls from app 'bank' have been recorded; the goal applies only to that app's calls "
        "(no app's calls have been recorded yet)"
    )


async def test_recent_models_come_from_the_newest_calls_then_the_roll_ups(engine):
    interactions = InteractionStore(engine)
    await interactions.insert_many([interaction_row("bank", model="old-model", created_at=MONDAY)])
    await DailyStatsStore(engine, StatsStore(engine)).refresh()
    newest = [
        interaction_row("bank", model="gpt-small", created_at=MONDAY + timedelta(days=1)),
        interaction_row("bank", model=None, created_at=MONDAY + timedelta(days=1, hours=1)),
        interaction_row("support", model="gpt-big", created_at=MONDAY + timedelta(days=1, hours=2)),
    ]
    await interactions.insert_many(newest)

    # Today's models before any roll-up has them; a call without a model offers none; each model once.
    assert await SeenApps(SeenAppStore(engine)).models() == ["gpt-big", "gpt-small", "old-model"]
    assert await SeenApps(SeenAppStore(engine)).models(limit=1) == ["gpt-big"]


async def test_the_offered_lists_are_reused_briefly_then_read_again(engine):
    now = [1000.0]
    seen = SeenApps(SeenAppStore(engine), clock=lambda: now[0])
    await record(engine, "bank")
    assert await seen.names() == ["bank"]

    await record(engine, "support", MONDAY + timedelta(days=1))
    kept = await seen.names()
    now[0] += LIST_SECONDS
    fresh = await seen.names()

    assert kept == ["bank"]
    assert fresh == ["support", "bank"]
    # Whether an app is known is never answered from the kept list.
    assert await seen.warnings("support", "entry") == []
