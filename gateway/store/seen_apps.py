"""Which apps the gateway has seen, read so that its cost does not grow with the number of calls.

- Whether one app has recorded calls: one probe of the interactions' (app, created_at, id) index,
  whatever the table's size (never a scan or a DISTINCT over it).
- The recently active apps, for a list to pick from: the newest RECENT_ROWS rows of the daily
  roll-ups (gateway/store/daily_stats.py: a row per UTC day, app and model), read backwards
  along their (day, app, model) key, and the (day, app) pairs not rolled up yet. The cost is
  bounded by RECENT_ROWS, however many calls or apps there are; an app idle for longer than
  those rows reach back is left out of the list (the probe above still knows it).
- Gateway keys name the apps a gateway-mode deployment issued live keys for, calls or not.
- The recently used models, for the same kind of list: from the newest NEWEST_CALLS calls (along
  their time index) and the same newest roll-up rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, union_all
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.tables import daily_stats, daily_stats_stale, gateway_keys, interactions

# How many of the newest roll-up rows (and not-yet-rolled-up pairs) the recent list reads, about
# 5-10 ms on either database: with 20 apps on 4 models that reaches back two months; with
# thousands of pass-through keys, a few days, which still finds hundreds of apps.
RECENT_ROWS = 5_000
# How many of the newest calls the models list reads besides the roll-ups (those of today are not rolled up).
NEWEST_CALLS = 1_000


@dataclass(frozen=True, slots=True)
class SeenApp:
    """An app with recorded calls (the last UTC day it had some, 'YYYY-MM-DD') or only a live gateway key (None)."""

    name: str
    last_day: str | None


class SeenAppStore:
    """Reads which apps have recorded calls or a live gateway key."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def is_known(self, app: str) -> bool:
        """Whether `app` has any recorded call or a live gateway key."""
        # MAX over the (app, created_at, id) index is one seek on both databases. Not EXISTS: after a
        # few runs PostgreSQL plans the prepared statement generically, expects an app to have a
        # 20th of the rows, and answers EXISTS by a sequential scan that, for an app with no calls,
        # reads every row (1.2 s at 5 million interactions, where this takes 0.1 ms).
        last_call = select(func.max(interactions.c.created_at)).where(interactions.c.app == app)
        k = gateway_keys.c
        live_key = select(k.id).where(k.app == app, k.revoked_at.is_(None)).limit(1)
        async with self._engine.connect() as connection:
            if await connection.scalar(last_call) is not None:
                return True
            return await connection.scalar(live_key) is not None

    async def recent(self, limit: int) -> list[SeenApp]:
        """Up to `limit` apps: with calls in the newest roll-up rows (latest first), then with only a live key."""
        newest = [
            select(table.c.day, table.c.app).order_by(table.c.day.desc(), table.c.app.desc()).limit(RECENT_ROWS)
            for table in (daily_stats, daily_stats_stale)
        ]
        days = union_all(*(query.subquery().select() for query in newest)).subquery()
        last_day = func.max(days.c.day).label("last_day")
        with_calls = select(days.c.app, last_day).group_by(days.c.app).order_by(last_day.desc(), days.c.app)
        k = gateway_keys.c
        keyed = select(k.app).where(k.revoked_at.is_(None)).distinct().order_by(k.app)
        async with self._engine.connect() as connection:
            found = [SeenApp(row.app, row.last_day) for row in await connection.execute(with_calls.limit(limit))]
            if len(found) < limit:
                names = {app.name for app in found}
                keyed_only = [app for app in (await connection.execute(keyed)).scalars() if app not in names]
                found += [SeenApp(app, None) for app in keyed_only[: limit - len(found)]]
        return found

    async def recent_models(self, limit: int) -> list[str]:
        """Up to `limit` models, the most recently used first: of the newest calls, then of the newest roll-up rows."""
        i = interactions.c
        # Today's calls are not rolled up yet (the roll-ups are rebuilt as days end): a model in use
        # since this morning is found among the newest calls, read backwards along their time index.
        newest_calls = select(i.model).order_by(i.created_at.desc(), i.id.desc()).limit(NEWEST_CALLS)
        rolled_up = (
            select(daily_stats.c.day, daily_stats.c.model)
            .order_by(daily_stats.c.day.desc(), daily_stats.c.app.desc(), daily_stats.c.model.desc())
            .limit(RECENT_ROWS)
            .subquery()
        )
        last_day = func.max(rolled_up.c.day)
        by_day = select(rolled_up.c.model).group_by(rolled_up.c.model).order_by(last_day.desc(), rolled_up.c.model)
        async with self._engine.connect() as connection:
            found = [*(await connection.execute(newest_calls)).scalars(), *(await connection.execute(by_day)).scalars()]
        # Each model once, where it first appears; "" is the roll-ups' name for calls without a model.
        return [model for model in dict.fromkeys(found) if model][:limit]
