"""A full pass that dies after clustering but before its run is stored leaves nothing the next pass trusts.

The kept fit, its landmarks and the map (whose points say which complaints a pass has seen) are
stored with the run, in one transaction: had they been kept before it, the complaints of the dead
pass would count as seen, and incremental passes would never cluster them.
"""

from __future__ import annotations

import pytest
from seed import seed_complaints
from test_discovery_passes import issue_with_keyword
from test_incremental_pass import ANOTHER_REFUND, UNRELATED, WITH_UMAP, first_full_pass, run_kinds

from gateway.config import Settings
from gateway.discovery.job import run_clustering_pass
from gateway.store.issues import IssueStore

# Fits UMAP in this process: waits for its numba kernels, compiled once per run (tests/numba_cache.py).
pytestmark = pytest.mark.umap


class ProcessDied(Exception):
    """Stands for the process ending where it was raised."""


async def test_complaints_of_a_full_pass_that_died_are_clustered_by_the_next(
    engine, database_url, embedder, monkeypatch
):
    incremental_settings = Settings(database_url=database_url, cluster_incremental_max_share=0.2)
    await first_full_pass(engine, incremental_settings, embedder)
    # Three new complaints of twelve are more than the fifth an incremental pass takes: the pass is full.
    new_refund, *_ = await seed_complaints(engine, [ANOTHER_REFUND, UNRELATED, ("Reset my password again", "no reset")])

    def dies(*_args: object, **_kwargs: object) -> None:
        raise ProcessDied

    with monkeypatch.context() as patch:
        patch.setattr(IssueStore, "save_run", dies)
        with pytest.raises(ProcessDied):
            await run_clustering_pass(engine, incremental_settings, embedder, params=WITH_UMAP)

    summary = await run_clustering_pass(engine, incremental_settings, embedder, params=WITH_UMAP)

    assert summary.apps[0].kind == "full"
    assert await run_kinds(engine) == ["full", "full"]
    assert new_refund in (await issue_with_keyword(engine, "refund"))["member_ids"]
