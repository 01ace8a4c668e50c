"""The 2-D map of an app's negative feedback: drawn by the clustering pass, kept, and read by the issue page."""

from __future__ import annotations

import numpy as np
import pytest
from seed import PASSWORDS, REFUNDS, SHIPPING, seed_complaints
from test_discovery_passes import WITH_UMAP, issue_with_keyword

from clustering.reduce import ReductionFit
from gateway.discovery.feedback_map import FeedbackMapService, map_update, project_2d
from gateway.discovery.job import run_clustering_pass
from gateway.store.feedback_map_points import FeedbackMapStore
from gateway.store.reduction_fits import ReductionFitStore

# Fits UMAP in this process: waits for its numba kernels, compiled once per run (tests/numba_cache.py).
pytestmark = pytest.mark.umap

APP = "support-bot"


def test_a_fresh_reduction_redraws_the_whole_map_in_the_unit_square():
    coordinates = np.random.default_rng(1).normal(size=(30, 5))
    ids = [f"i{n}" for n in range(30)]

    update = map_update(ids, coordinates, {"gone": (0.5, 0.5)}, refitted=True)

    assert update.replace
    assert set(update.added) == set(ids)
    flat = np.array(list(update.added.values()))
    assert flat.min() == 0.0 and flat.max() == 1.0


def test_a_reused_fit_keeps_old_points_and_places_new_ones_where_the_projection_puts_them():
    coordinates = np.random.default_rng(2).normal(size=(40, 5))
    ids = [f"i{n}" for n in range(40)]
    projected = project_2d(coordinates)
    # The first 35 were on the map; of the last 5, four are new and one left.
    kept = {key: (float(x), float(y)) for key, (x, y) in zip(ids[:35], projected[:35], strict=True)}
    kept["left"] = (0.1, 0.1)

    update = map_update(ids[:39], coordinates[:39], kept, refitted=False)

    assert not update.replace
    assert set(update.added) == set(ids[35:39])
    assert update.removed == {"left"}
    # The projection is affine in the coordinates, so the least-squares map recovers it exactly.
    for key, row in zip(ids[35:39], range(35, 39), strict=True):
        assert np.allclose(update.added[key], np.clip(projected[row], 0, 1), atol=1e-6)


async def test_a_pass_keeps_one_map_point_per_complaint(engine, job_settings, embedder):
    ids = await seed_complaints(engine, REFUNDS + PASSWORDS + SHIPPING)

    await run_clustering_pass(engine, job_settings, embedder, params=WITH_UMAP)

    points = await FeedbackMapStore(engine).load(APP)
    assert set(points) == set(ids)
    assert all(0.0 <= x <= 1.0 and 0.0 <= y <= 1.0 for x, y in points.values())


async def test_a_re_run_adds_new_complaints_and_leaves_the_kept_points_in_place(engine, job_settings, embedder):
    await seed_complaints(engine, REFUNDS[:3] + PASSWORDS + SHIPPING)
    await run_clustering_pass(engine, job_settings, embedder, params=WITH_UMAP)
    before = await FeedbackMapStore(engine).load(APP)
    [new_refund] = await seed_complaints(engine, REFUNDS[3:])

    summary = await run_clustering_pass(engine, job_settings, embedder, params=WITH_UMAP)

    after = await FeedbackMapStore(engine).load(APP)
    assert summary.apps[0].reduction == "reused"
    assert set(after) == set(before) | {new_refund}
    assert all(after[key] == before[key] for key in before)


async def test_the_issue_map_reads_the_kept_points_and_marks_the_members(engine, job_settings, embedder):
    await seed_complaints(engine, REFUNDS + PASSWORDS + SHIPPING)
    await run_clustering_pass(engine, job_settings, embedder, params=WITH_UMAP)
    refunds = await issue_with_keyword(engine, "refund")
    # A kept fit that disagrees with the kept map: the map must come from the kept points.
    await ReductionFitStore(engine).replace(APP, ReductionFit({"elsewhere": np.zeros(5, dtype=np.float32)}, "fp"))

    drawn = await FeedbackMapService.for_engine(engine).for_issue(APP, refunds["member_ids"])

    assert drawn is not None
    assert drawn.total == len(await FeedbackMapStore(engine).load(APP))
    assert {point.interaction_id for point in drawn.points if point.member} == set(refunds["member_ids"])


async def test_without_kept_points_the_map_falls_back_to_the_kept_fit(engine):
    coordinates = {f"c{n}": np.array([n, -n, 0, 1, 2], dtype=np.float32) for n in range(5)}
    await ReductionFitStore(engine).replace(APP, ReductionFit(coordinates, "fp"))

    drawn = await FeedbackMapService.for_engine(engine).for_issue(APP, ["c1"])

    assert drawn is not None and drawn.total == 5 and drawn.members_on_map == 1
