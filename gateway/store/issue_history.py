"""An issue's history points: its growth, its trend and daily series, and folding a merged issue's into the survivor's."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, delete, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement, Select

from gateway.store.chunks import chunks
from gateway.store.tables import issue_history, issues

Row = dict[str, Any]
# How many past runs an issue's trend shows.
TREND_POINTS = 14
# How many days an issue's daily series shows.
DAILY_POINTS = 90


def issues_with_growth() -> tuple[Select[Any], ColumnElement[int]]:
    """Every issue with its `growth`: the size it gained since its previous run (all of it after its first).

    Computed in SQL so listings can sort and page by it; one issue is read the same way. The
    previous size is one lookup per issue in issue_history's primary key (issue_id, run_id),
    so reading or sorting issues never scans the whole history.
    """
    history = issue_history.c
    previous = (
        select(history.size)
        .where(history.issue_id == issues.c.id)
        .order_by(history.run_id.desc())
        .limit(1)
        .offset(1)
        .correlate(issues)
        .scalar_subquery()
    )
    growth = (issues.c.size - func.coalesce(previous, 0)).label("growth")
    return select(issues, growth), growth


async def trend_points(connection: Any, issue_ids: list[str]) -> dict[str, list[Row]]:
    """The last TREND_POINTS history points per issue, oldest first."""
    trends: dict[str, list[Row]] = {}
    for chunk in chunks(issue_ids):
        query = select(issue_history).where(issue_history.c.issue_id.in_(chunk)).order_by(issue_history.c.run_id)
        for point in (await connection.execute(query)).mappings():
            trends.setdefault(point["issue_id"], []).append(
                {key: point[key] for key in ("run_id", "day", "size", "negative_count")}
            )
    return {issue_id: points[-TREND_POINTS:] for issue_id, points in trends.items()}


async def daily_points(connection: Any, issue_id: str) -> list[Row]:
    """One point per day over the last DAILY_POINTS days with a run: the day's last run's numbers."""
    query = select(issue_history).where(issue_history.c.issue_id == issue_id).order_by(issue_history.c.run_id)
    by_day: dict[Any, Row] = {}
    for point in (await connection.execute(query)).mappings():
        by_day[point["day"]] = {key: point[key] for key in ("day", "size", "negative_count")}
    return list(by_day.values())[-DAILY_POINTS:]


async def fold_history(connection: AsyncConnection, merged_id: str, into_id: str) -> None:
    """Move issue `merged_id`'s history into issue `into_id`'s, as a merge moves its complaints.

    Growth is an issue's size minus its point before the latest (see `issues_with_growth`), and
    after a merge the survivor holds both issues' complaints; so its past points must count both
    too, or the next pass would read the merged complaints as new ones. After the fold the
    survivor's point of each pass is the sum of both issues' points of that pass (a pass only the
    merged issue has a point for gives the survivor that point), and its trend and daily series
    read as if the two had always been one issue: its latest point counts the complaints merged
    in (it equals its size after the merge, as both latest points equalled theirs). The merged issue is left without history (size 0, growth 0; a full pass
    then gives it that pass's point of 0); if a later pass finds its complaints apart again, its
    history starts there and the survivor's drops by as many.

    The same for a person's merge (`IssueEditStore.merge`, between passes) and a full pass's
    (`save_run`, before the pass's own points are written); incremental passes merge nothing, and
    every later pass, full or incremental, writes the survivor's point from its members.
    Runs in the caller's transaction.
    """
    h, merged = issue_history.c, issue_history.alias("merged").c
    theirs = select(merged.run_id).where(merged.issue_id == merged_id)
    added = {
        name: getattr(h, name)
        + select(getattr(merged, name)).where(merged.issue_id == merged_id, merged.run_id == h.run_id).scalar_subquery()
        for name in ("size", "negative_count")
    }
    await connection.execute(update(issue_history).where(h.issue_id == into_id, h.run_id.in_(theirs)).values(**added))
    ours = select(h.run_id).where(h.issue_id == into_id)
    only_theirs = select(literal(into_id, String(36)), merged.run_id, merged.day, merged.size, merged.negative_count)
    only_theirs = only_theirs.where(merged.issue_id == merged_id, merged.run_id.not_in(ours))
    columns = ["issue_id", "run_id", "day", "size", "negative_count"]
    await connection.execute(insert(issue_history).from_select(columns, only_theirs))
    await connection.execute(delete(issue_history).where(h.issue_id == merged_id))
