"""Where a later look at a Responses call goes when several upstreams are configured: the upstream of its create.

A look (GET /v1/responses/{id}, its stream, cancel, DELETE, /input_items) names no model, so routing by model would
send it to the default upstream, which never made that response (a 404 there, and in pass-through mode the app's key
for the other provider sent to the default one). The create's interaction records the upstream that served it and
its upstream response id (indexed), so the look goes where the create went: one database lookup, made only for these
paths and only with several upstreams (the proxy builds none otherwise), each answer kept since a response id never
moves. What is not found (an id made before Feedgate, by another gateway or another app) goes to the default upstream,
as a look always did, and is not kept: its create may yet be stored. A look that races its create (the app polls at
once, the create still waiting in the writer) first waits for this process's writer to store what it holds, so the
create is found; a create another process took may be stored a flush interval later, and a look before that goes to
the default upstream (docs/recording.md, "Background Responses").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from gateway.config_entries import Upstream
from gateway.proxy.routing import UpstreamRouter
from gateway.recording.identifiers import fitted_identifier
from gateway.store.availability import database_unavailable
from gateway.store.response_homes import ResponseHome

logger = logging.getLogger("feedgate.proxy")

# The most a look at an id not found waits for this process's writer (one batch, at its own pace, is well under it).
WRITER_WAIT_SECONDS = 2.0
# The most homes kept in memory; past it the cache starts over (ids come from clients).
MAX_KEPT = 100_000


class PendingWrites(Protocol):
    """What the look needs of the interaction writer: whether it holds calls, and a wait until they are stored."""

    @property
    def backlog(self) -> int: ...

    async def caught_up(self) -> None: ...


class ResponseHomeUnavailable(Exception):
    """The database could not say where a response was made: the look is not sent anywhere."""


class ResponseHomes:
    """The upstream each later look at a response goes to: where `app`'s create of it was served."""

    def __init__(
        self,
        router: UpstreamRouter,
        find: Callable[[str, str], Awaitable[ResponseHome | None]],
        writes: PendingWrites | None = None,
    ) -> None:
        self._router = router
        self._find = find
        self._writes = writes
        self._kept: dict[tuple[str, str], Upstream] = {}

    async def upstream(self, app: str, response_id: str) -> Upstream:
        """The upstream that served `app`'s create of `response_id`; the default one when none is recorded."""
        key = (app, response_id)
        kept = self._kept.get(key)
        if kept is not None:
            return kept
        stored_id = fitted_identifier(response_id)
        try:
            home = await self._find(app, stored_id)
            if home is None and self._writes is not None and self._writes.backlog:
                # The create may be among the calls this process's writer has not stored yet.
                try:
                    await asyncio.wait_for(self._writes.caught_up(), WRITER_WAIT_SECONDS)
                except TimeoutError:
                    pass
                else:
                    home = await self._find(app, stored_id)
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            raise ResponseHomeUnavailable(
                "the gateway could not tell which upstream made this response: its database is unreachable for the "
                "moment. Nothing was sent upstream: try again in a few seconds"
            ) from exc
        if home is None:
            return self._router.default
        # By name; an upstream renamed or removed since: where the create's model is routed now.
        upstream = self._router.named(home.upstream) or self._router.route(home.model)
        if len(self._kept) >= MAX_KEPT:
            self._kept.clear()
        self._kept[key] = upstream
        return upstream
