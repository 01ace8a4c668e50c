"""An erasure or a prune asked for while a clustering pass runs: the pass read the complaints it removes, and
must not write them back after it (as members, map points, kept UMAP points, examples or issue words).

The erasure (or prune) is asked for, as another process would, when the pass starts embedding, and the
pass goes on once it is done or has waited a few seconds for it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from seed import PASSWORDS, REFUNDS, SHIPPING, seed_complaints
from sqlalchemy import select, update
from test_incremental_pass import WITH_UMAP

from gateway.discovery.job import run_clustering_pass
from gateway.privacy.erasure import erase_end_user
from gateway.privacy.retention import prune_before, recipes_of
from gateway.store.tables import interactions, issue_members, issues, reduction_points
from gateway.store.tables.discovery import feedback_map_points

# Fits UMAP in this process: waits for its numba kernels, compiled once per run (tests/numba_cache.py).
pytestmark = pytest.mark.umap

LEAVER = "leaver"
# Long enough for the removal to end when nothing holds it up.
REMOVAL_WAIT_SECONDS = 3


class RemovingEmbedder:
    """The real embedder, which starts a removal the first time it is asked and waits a while for it."""

    def __init__(self, inner: Any, start: Callable[[], Any]) -> None:
        self.model_name = inner.model_name
        self._inner = inner
        self._start = start
        self.removal: Any = None

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self.removal is None:
            self.removal = self._start()
            with contextlib.suppress(TimeoutError):  # it waits for the pass
                self.removal.result(timeout=REMOVAL_WAIT_SECONDS)
        return self._inner.embed(texts)


@pytest.mark.parametrize("removal", ["erasure", "prune"])
async def test_a_pass_does_not_write_back_what_a_removal_took_while_it_ran(engine, job_settings, embedder, removal):
    ids = await seed_complaints(engine, REFUNDS + PASSWORDS + SHIPPING)
    refunds = set(ids[: len(REFUNDS)])
    long_ago = datetime.now(UTC) - timedelta(days=90)
    async with engine.begin() as connection:
        taken = update(interactions).where(interactions.c.id.in_(refunds))
        await connection.execute(taken.values(end_user=LEAVER, created_at=long_ago))
    loop = asyncio.get_running_loop()

    def removing() -> Coroutine[Any, Any, Any]:
        if removal == "erasure":
            return erase_end_user(engine, LEAVER, "dpo", recipes_of(job_settings), via="test")
        return prune_before(engine, long_ago + timedelta(days=1), recipes=recipes_of(job_settings))

    wrapped = RemovingEmbedder(embedder, lambda: asyncio.run_coroutine_threadsafe(removing(), loop))
    await run_clustering_pass(engine, job_settings, wrapped, params=WITH_UMAP)
    report = await asyncio.wrap_future(wrapped.removal)

    assert report.counts.interactions == len(refunds)
    async with engine.connect() as connection:
        members = set((await connection.execute(select(issue_members.c.interaction_id))).scalars())
        points = set((await connection.execute(select(feedback_map_points.c.interaction_id))).scalars())
        fitted = set((await connection.execute(select(reduction_points.c.interaction_id))).scalars())
        rows = (await connection.execute(select(issues.c.examples, issues.c.keywords, issues.c.title))).all()
    named = {example["interaction_id"] for examples, _, _ in rows for example in examples or []}
    words = " ".join(f"{title} {' '.join(keywords or [])}" for _, keywords, title in rows).lower()
    assert (members & refunds, points & refunds, fitted & refunds, named & refunds) == (set(), set(), set(), set())
    assert "refund" not in words
