"""Apps the gateway has seen: what an app field offers, and the warning on a change made for an app with no calls.

A knowledge entry, a prompt version or a goal names its app as free text and is accepted before
the app goes live. A mistyped name would then silently never apply, and in pass-through key mode
app names are key fingerprints nobody types from memory. So the change still succeeds, but its
answer and the page after it say when no call from that app has been recorded, naming apps that
have. The reads behind this stay cheap at any number of calls (gateway/store/seen_apps.py).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Literal

from gateway.store.seen_apps import SeenAppStore

# What a change was made to, as the warning names it.
Subject = Literal["entry", "version", "mode", "goal", "export", "report"]
# How many apps an app field offers (most recently active first): enough to pick from, a short page.
OFFERED = 200
# How many apps a warning names (by name), so one answer never carries a list of thousands.
NAMED_IN_WARNING = 10
# How long an offered list is reused (both reads cost 3-5 ms on every list page at 100k calls): a new
# app or model is offered at most this late; whether an app is known is asked of the store each time.
LIST_SECONDS = 30.0


class SeenApps:
    """Which apps have recorded calls (or a live gateway key), for the app fields and the unseen-app warnings."""

    def __init__(self, store: SeenAppStore, clock: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._clock = clock
        self._lists: dict[tuple[str, int], tuple[float, list[str]]] = {}

    async def names(self, limit: int = OFFERED) -> list[str]:
        """Up to `limit` app names to offer where an app is typed: the most recently active first."""
        return await self._listed("apps", limit, self._app_names)

    async def models(self, limit: int = OFFERED) -> list[str]:
        """Up to `limit` model names to offer where a model is typed: the most recently used first."""
        return await self._listed("models", limit, self._store.recent_models)

    async def _app_names(self, limit: int) -> list[str]:
        return [app.name for app in await self._store.recent(limit)]

    async def _listed(self, kind: str, limit: int, read: Callable[[int], Awaitable[list[str]]]) -> list[str]:
        now = self._clock()
        kept = self._lists.get((kind, limit))
        if kept is not None and now - kept[0] < LIST_SECONDS:
            return list(kept[1])
        found = await read(limit)
        self._lists[(kind, limit)] = (now, found)
        return list(found)

    async def warnings(self, app: str, subject: Subject) -> list[str]:
        """Nothing when `app` has recorded calls or a live key; else one sentence saying so and naming seen apps."""
        if await self._store.is_known(app):
            return []
        return [unseen_app_warning(app, subject, await self.names(NAMED_IN_WARNING + 1))]


def unseen_app_warning(app: str, subject: Subject, seen: list[str]) -> str:
    """The warning for a change made for `app`, which has no recorded calls; `seen` are apps that have some."""
    if not seen:
        others = "no app's calls have been recorded yet"
    else:
        named = sorted(seen[:NAMED_IN_WARNING])
        others = "apps seen: " + ", ".join(named) + (", …" if len(seen) > NAMED_IN_WARNING else "")
    return f"no calls from app '{app}' have been recorded; the {subject} applies only to that app's calls ({others})"
