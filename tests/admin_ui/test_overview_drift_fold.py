"""The overview's drift panel folds its table of figures per app: the fold's one visible line says what it holds (how
many apps were checked, and the alerts), where it said only "Drift per app" and read as a heading left empty."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from html_page import parse
from overview_seed import rated_traffic
from test_overview_page import windows

from gateway.accounts.records import Role


async def drift_fold(browser_as) -> tuple[str, bool]:
    """The drift panel's fold: the words of its summary line, and whether it opens folded."""
    viewer = await browser_as("vic", Role.VIEWER)
    fold = parse((await viewer.get("/admin/overview/drift")).text).find("details", data_testid="drift-fold")
    return fold.find("summary").text, "open" not in fold.attrs


async def test_a_folded_table_says_how_many_apps_it_checked_and_that_none_alerts(browser_as, gateway):
    (recent_start, now), (baseline_start, baseline_end) = windows()
    for app in ("steady", "calm"):
        await rated_traffic(gateway.services.engine, app, baseline_start, baseline_end, negative=20, positive=180)
        await rated_traffic(gateway.services.engine, app, recent_start, now, negative=6, positive=54)

    said, folded = await drift_fold(browser_as)

    assert folded
    assert said == "Drift per app: 2 apps checked, no alert"


async def test_a_folded_table_counts_the_alerts_shown_above_it(browser_as, gateway):
    (recent_start, now), (baseline_start, baseline_end) = windows()
    for app, negative in (("jumpy", 30), ("steady", 7)):
        await rated_traffic(gateway.services.engine, app, baseline_start, baseline_end, negative=20, positive=180)
        await rated_traffic(gateway.services.engine, app, recent_start, now, negative=negative, positive=60 - negative)

    said, _ = await drift_fold(browser_as)

    assert said == "Drift per app: 2 apps checked, 1 alert (above)"


async def test_without_feedback_the_fold_is_open_and_says_so(browser_as):
    said, folded = await drift_fold(browser_as)

    assert not folded
    assert said.startswith("Drift per app: no feedback since ")


async def test_without_feedback_the_fold_says_the_start_of_the_baseline_window(browser_as):
    # The rule's windows: since the start of yesterday (UTC), and the 14 days before that.
    start_of_today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)

    said, _ = await drift_fold(browser_as)

    assert said == f"Drift per app: no feedback since {start_of_today - timedelta(days=15):%Y-%m-%d} 00:00 UTC"
