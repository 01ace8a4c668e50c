"""Daily roll-ups: one row per UTC day, app and model, rebuilt from the raw rows when the day changes.

A (day, app) is marked stale whenever an interaction or a feedback event of that day is inserted
or deleted. Deleted interactions and inserted or deleted feedback are marked by triggers
(migration 0016), whatever process makes the change. Inserted interactions are marked by
`mark_days_stale`, once per batch in the insert's own transaction, which every insert
of interactions runs (gateway/store/interaction_inserts.py, where migration 0022's reasons are).

`refresh` claims stale pairs, recounts them from the raw rows and replaces their rows, all in one
transaction: a write that lands meanwhile marks its pair stale again, so the next refresh
recounts it, and nothing is ever counted twice. A write's mark holds the marker row until the write
commits, a new marker or one already there alike (on PostgreSQL the triggers and `mark_days_stale`
touch it, migration 0027; SQLite has one writer at a time): a refresh claiming it waits, then counts
the write. Skipping a marker already there let a refresh clear it and count the day without a write
about to commit, which then stayed out of the roll-up until the day changed again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.feedback.delay_histogram import DelayHistogram
from gateway.feedback.insights import COUNTS, Tally
from gateway.store.inserts import conflict_insert
from gateway.store.stats import StatsScope, StatsStore, TallyKey
from gateway.store.tables import daily_stats, daily_stats_stale

# How many stale (day, app) pairs one transaction rebuilds; a backlog takes several.
PAIRS_PER_TRANSACTION = 200


@dataclass(frozen=True, slots=True)
class DayRange:
    """Whole UTC days [first, end) as 'YYYY-MM-DD', optionally of one app."""

    first: str
    end: str
    app: str | None = None


def interaction_days(rows: Sequence[Mapping[str, Any]]) -> set[tuple[str, str]]:
    """The (UTC day, app) pairs of interaction rows: what `mark_days_stale` takes."""
    return {(utc_day(row["created_at"]), row["app"]) for row in rows}


def mark_days_stale(connection: Connection, pairs: Collection[tuple[str, str]]) -> None:
    """Mark (UTC day, app) `pairs` stale, in the transaction that inserts their interactions (sync: `run_sync` it)."""
    if not pairs:
        return
    # Sorted, as the triggers' ORDER BY did: two writers (and a refresh, see `_claim`) take the marker
    # rows' locks in one order on PostgreSQL, so they never deadlock. A marker already there is
    # touched, not skipped, so its lock is held until this transaction commits. A row that turns out
    # to be a skipped duplicate costs one needless recount at most.
    mark = conflict_insert(connection.dialect, daily_stats_stale)
    mark = mark.on_conflict_do_update(index_elements=["day", "app"], set_={"day": mark.excluded.day})
    connection.execute(mark, [{"day": day, "app": app} for day, app in sorted(pairs)])


def utc_day(moment: datetime) -> str:
    """The UTC day of `moment` as 'YYYY-MM-DD', the day the stats queries put it in; naive means UTC.

    The same text as SQLite's strftime('%Y-%m-%d', created_at) on the stored UTC wall time and
    PostgreSQL's to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), zero-padded years included.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).date().isoformat()


class DailyStatsStore:
    """Reads daily roll-up rows, rebuilding the stale ones first."""

    def __init__(
        self, engine: AsyncEngine, raw: StatsStore, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._engine = engine
        self._raw = raw
        self._clock = clock

    async def tallies(self, days: DayRange, model: str | None = None) -> dict[TallyKey, Tally]:
        """The tally of each (day, app, model) in `days` (of one model, if given), up to date."""
        await self.refresh(days)
        d = daily_stats.c
        wanted = (d.day, d.app, d.model, d.interactions, d.delays, *(d[name] for name in COUNTS))
        query = select(*wanted).where(d.day >= days.first, d.day < days.end)
        if days.app is not None:
            query = query.where(d.app == days.app)
        if model is not None:
            query = query.where(d.model == model)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return {(row["day"], row["app"], row["model"] or None): _tally(row) for row in rows}

    async def tallies_between(
        self, start: datetime, end: datetime, app: str | None = None, model: str | None = None
    ) -> list[tuple[TallyKey, Tally]]:
        """Tallies over [start, end): roll-ups for the whole UTC days inside it, raw rows for the partial days.

        A range that runs up to now (or later) takes today from its roll-up: nothing of today lies
        after now, so its whole-day row counts exactly the part in range, and a dashboard's "last N
        days" reads one partial day raw instead of two.
        """
        first_whole = _midnight_on_or_after(start)
        end_whole = _midnight_on_or_after(end) if end >= self._clock() else _midnight_on_or_before(end)
        if first_whole >= end_whole:
            return list((await self._raw.tallies(StatsScope(start, end, app, model))).items())
        days = DayRange(first_whole.date().isoformat(), end_whole.date().isoformat(), app)
        result = list((await self.tallies(days, model)).items())
        for edge_start, edge_end in ((start, first_whole), (end_whole, end)):
            if edge_start < edge_end:
                result.extend((await self._raw.tallies(StatsScope(edge_start, edge_end, app, model))).items())
        return result

    async def refresh(self, days: DayRange | None = None) -> int:
        """Rebuild every stale (day, app) pair (within `days`, if given); how many were rebuilt."""
        rebuilt = 0
        while True:
            async with self._engine.begin() as connection:
                claimed = await self._claim(connection, days)
                if not claimed:
                    return rebuilt
                await self._rebuild(connection, claimed)
            rebuilt += len(claimed)

    async def stale_pairs(self) -> int:
        """How many (day, app) pairs wait for a rebuild."""
        async with self._engine.connect() as connection:
            return len((await connection.execute(select(daily_stats_stale.c.day))).all())

    async def _claim(self, connection: AsyncConnection, days: DayRange | None) -> list[tuple[str, str]]:
        """Take up to PAIRS_PER_TRANSACTION stale pairs off the list, in this transaction.

        The DELETE … RETURNING says which pairs this transaction got: a concurrent refresh waits
        on the same rows and then finds them gone, so no pair is rebuilt by two at once. On
        PostgreSQL the markers are locked first, in the writers' order: a write that marked one and
        has not committed is waited for, so the recount that follows sees its rows.
        """
        s = daily_stats_stale.c
        candidates = select(s.day, s.app).order_by(s.day, s.app).limit(PAIRS_PER_TRANSACTION).with_for_update()
        if days is not None:
            candidates = candidates.where(s.day >= days.first, s.day < days.end)
            if days.app is not None:
                candidates = candidates.where(s.app == days.app)
        pairs = [(row.day, row.app) for row in await connection.execute(candidates)]
        if not pairs:
            return []
        claimed = await connection.execute(
            delete(daily_stats_stale).where(tuple_(s.day, s.app).in_(pairs)).returning(s.day, s.app)
        )
        return [(row.day, row.app) for row in claimed]

    async def _rebuild(self, connection: AsyncConnection, pairs: list[tuple[str, str]]) -> None:
        """Replace the roll-up rows of `pairs` with counts from the raw rows."""
        d = daily_stats.c
        await connection.execute(delete(daily_stats).where(tuple_(d.day, d.app).in_(pairs)))
        now = self._clock()
        rows = []
        for app, days in _days_by_app(pairs).items():
            for first, end in _runs(days):
                scope = StatsScope(since=_midnight(first), until=_midnight(end), app=app)
                for (day, _, model), tally in (await self._raw.tallies(scope, connection)).items():
                    if day in days:
                        rows.append(_row(day, app, model, tally, now))
        if rows:
            await connection.execute(insert(daily_stats), rows)


def _days_by_app(pairs: list[tuple[str, str]]) -> dict[str, set[str]]:
    result: defaultdict[str, set[str]] = defaultdict(set)
    for day, app in pairs:
        result[app].add(day)
    return result


def _runs(days: set[str]) -> list[tuple[date, date]]:
    """Consecutive days as [first, end) ranges, so a scattered backlog is not counted over its gaps."""
    runs: list[tuple[date, date]] = []
    for day in sorted(date.fromisoformat(text) for text in days):
        if runs and runs[-1][1] == day:
            runs[-1] = (runs[-1][0], day + timedelta(days=1))
        else:
            runs.append((day, day + timedelta(days=1)))
    return runs


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _midnight_on_or_before(moment: datetime) -> datetime:
    return _midnight(moment.astimezone(UTC).date())


def _midnight_on_or_after(moment: datetime) -> datetime:
    midnight = _midnight_on_or_before(moment)
    if midnight == moment:
        return midnight
    try:
        return midnight + timedelta(days=1)
    except OverflowError:
        # The last day a datetime can hold has no whole day after `moment`: count it raw.
        return datetime.max.replace(tzinfo=UTC)


def _row(day: str, app: str, model: str | None, tally: Tally, now: datetime) -> dict[str, Any]:
    return {
        "day": day,
        "app": app,
        "model": model or "",
        "interactions": tally.interactions,
        **{name: tally.count(name) for name in COUNTS},
        "delays": tally.delays.to_json(),
        "refreshed_at": now,
    }


def _tally(row: Any) -> Tally:
    return Tally(row["interactions"], {name: row[name] for name in COUNTS}, DelayHistogram(row["delays"]))
