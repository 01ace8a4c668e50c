"""The effect's windows stop at the issue's other fixes nearest the one measured, and only those."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gateway.effect.records import FixLink
from gateway.effect.windows import bounded

NOW = datetime(2026, 12, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def link(name: str, live_at: datetime) -> FixLink:
    return FixLink(name, "issue", None, "knowledge", name, 1, "live", live_at, "ana", live_at)


def test_a_fix_alone_keeps_its_windows_and_says_nothing():
    fix = link("only", NOW)

    bounds = bounded(fix, [fix], NOW - 5 * DAY, NOW + 5 * DAY)

    assert (bounds.since, bounds.until, bounds.earlier, bounds.later) == (NOW - 5 * DAY, NOW + 5 * DAY, None, None)
    assert bounds.note(str) is None


def test_the_nearest_fixes_inside_the_windows_cut_them_and_the_ones_outside_do_not():
    fix = link("this", NOW)
    fixes = [
        link("long ago", NOW - 30 * DAY),
        link("before", NOW - 3 * DAY),
        link("just before", NOW - DAY),
        fix,
        link("next", NOW + 2 * DAY),
        link("after that", NOW + 4 * DAY),
    ]

    bounds = bounded(fix, fixes, NOW - 5 * DAY, NOW + 5 * DAY)

    assert (bounds.since, bounds.until) == (NOW - DAY, NOW + 2 * DAY)
    assert (bounds.earlier.id, bounds.later.id) == ("just before", "next")
    note = bounds.note(lambda moment: moment.date().isoformat())
    assert note.startswith("the before window starts at 2026-11-30, when the previous fix")
    assert "; the after window ends at 2026-12-03, when the next fix" in note
