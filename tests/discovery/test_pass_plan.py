"""When a pass may be incremental: the last full pass, its recipe and age, and how much changed since."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from clustering.pipeline import DiscoveryParams
from gateway.config import Settings
from gateway.discovery.pass_plan import drift_reason, full_pass_reason, recipe_fingerprint
from gateway.store.run_history import LastFullRun

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
RECIPE = recipe_fingerprint("all-MiniLM-L6-v2", DiscoveryParams())
SETTINGS = Settings(cluster_incremental_max_share=0.05, cluster_full_every_hours=24)


def last_full(hours_ago: float = 1, items: int = 1_000, changed_since: int = 0, recipe: str | None = RECIPE):
    return LastFullRun("run", NOW - timedelta(hours=hours_ago), items, recipe, changed_since)


def test_a_recent_full_pass_of_the_same_recipe_allows_an_incremental_one():
    assert full_pass_reason(last_full(), RECIPE, NOW, SETTINGS) is None


def test_a_full_pass_is_needed_without_one_before_or_with_another_recipe():
    assert full_pass_reason(None, RECIPE, NOW, SETTINGS) is not None
    assert full_pass_reason(last_full(recipe=None), RECIPE, NOW, SETTINGS) is not None
    other = recipe_fingerprint("all-MiniLM-L6-v2", DiscoveryParams(keywords_per_cluster=5))
    assert "recipe" in (full_pass_reason(last_full(), other, NOW, SETTINGS) or "")
    assert recipe_fingerprint("another-model", DiscoveryParams()) != RECIPE


def test_a_full_pass_is_due_every_so_many_hours():
    assert full_pass_reason(last_full(hours_ago=23.9), RECIPE, NOW, SETTINGS) is None
    assert "24.0 h old" in (full_pass_reason(last_full(hours_ago=24), RECIPE, NOW, SETTINGS) or "")


def test_a_zero_share_turns_incremental_passes_off():
    off = Settings(cluster_incremental_max_share=0)

    assert full_pass_reason(last_full(), RECIPE, NOW, off) == "incremental passes are off"


def test_changes_count_from_the_last_full_pass_over_every_incremental_one():
    assert drift_reason(last_full(items=1_000), 50, SETTINGS) is None
    assert drift_reason(last_full(items=1_000), 51, SETTINGS) is not None
    assert drift_reason(last_full(items=1_000, changed_since=40), 10, SETTINGS) is None
    assert drift_reason(last_full(items=1_000, changed_since=40), 11, SETTINGS) is not None
