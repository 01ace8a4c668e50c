"""An incremental clustering pass: new complaints join the existing issues they belong to, nothing else moves.

On a busy app a full pass re-runs HDBSCAN and c-TF-IDF over every complaint and rewrites every
issue's members, minutes of work for the 1 % that is new. Between full passes (see
`pass_plan` for when one is due) a pass instead:

1. reads which complaints are current (ids and counts only) and which the last pass saw (the
   app's map), so it knows what came and what went;
2. embeds only the new ones (the embedding cache holds the rest);
3. places them on the map among the kept fit's landmarks (`clustering.landmarks`);
4. gives each to the issue it belongs to, by the issue's own admission bar, or leaves it
   unassigned until the next full pass (`clustering.assign`);
5. writes only what changed: new members and map points, withdrawn ones removed, the touched
   issues' sizes and counts, a history point per live issue (so growth is this pass's), events
   (a resolved issue that gains complaints reopens as a regression, an emptied one vanishes),
   and the run itself, marked incremental.

An issue left smaller than the smallest cluster the last full pass could make (withdrawn
complaints, an erasure) vanishes too, as the full pass would retire it: no full pass makes an
issue of that size, so it is not shown as a live one until the next full pass.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import uuid_utils
from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.assign import assign_to_issues
from clustering.cluster import adaptive_min_cluster_size
from clustering.documents import build_documents
from clustering.embed import Embedder
from clustering.landmarks import place_among_landmarks
from clustering.pipeline import DiscoveryParams
from gateway.config import Settings
from gateway.discovery.issue_increments import Assignment, RunIdentity, incremental_run
from gateway.discovery.items import negative_items
from gateway.discovery.pass_plan import drift_reason, fit_fingerprint, full_pass_reason, recipe_fingerprint
from gateway.discovery.summary import AppRunSummary
from gateway.store.embedding_cache import embed_with_database_cache
from gateway.store.issue_increments import AppIssueState, IssueIncrementStore
from gateway.store.negative_feedback import NegativeFeedbackStore
from gateway.store.placement_landmarks import Landmarks, LandmarkStore
from gateway.store.run_history import RunHistoryStore

logger = logging.getLogger("feedgate.discovery")


@dataclass(frozen=True, slots=True)
class _Changes:
    """What an incremental pass works from: the current complaints, the issues, what came and went, the landmarks."""

    counts: dict[str, int]
    state: AppIssueState
    new_ids: frozenset[str]
    gone: list[str]
    landmarks: Landmarks | None
    # The smallest cluster the last full pass could make: a live issue left smaller is retired.
    smallest_issue: int


async def run_incremental(
    engine: AsyncEngine,
    settings: Settings,
    embedder: Embedder,
    app: str,
    params: DiscoveryParams,
    step: Callable[[str, int], None],
) -> AppRunSummary | None:
    """An incremental pass over `app` and its summary; None when a full pass is due (nothing is written then)."""
    started_at = datetime.now(UTC)
    clock = time.perf_counter()
    recipe = recipe_fingerprint(embedder.model_name, params)
    changes = await _what_changed(engine, settings, embedder, app, params, recipe, step)
    if changes is None:
        return None
    step(f"reading {len(changes.new_ids)} new complaints", 1)
    feedback = NegativeFeedbackStore(engine)
    answers = params.recipe.include_answer
    new = negative_items(await feedback.complaints(app, changes.new_ids, answers=answers) if changes.new_ids else [])
    step(f"embedding {len(new.items)} new items", 1)
    documents = build_documents(new.items, params.recipe)
    vectors = await embed_with_database_cache(engine, embedder, documents) if documents else None
    step("assigning to issues", 2)
    # New complaints keep the count read with their text; one withdrawn in between is left for the next pass.
    counts = {key: n for key, n in changes.counts.items() if key not in changes.new_ids} | new.negative_counts
    issue_ids, points = await asyncio.to_thread(_assign_and_place, changes.state, vectors, changes.landmarks, params)
    step("storing", 3)
    ids = [item.interaction_id for item in new.items]
    run = incremental_run(
        RunIdentity(str(uuid_utils.uuid7()), app, started_at, datetime.now(UTC), recipe),
        changes.state,
        counts,
        Assignment(new.items, issue_ids, dict(zip(ids, points, strict=True))),
        changes.gone,
        changes.smallest_issue,
    )
    await IssueIncrementStore(engine).save(run, unchanged_since=changes.state.stamps)
    return AppRunSummary(
        app=app,
        run_id=run.id,
        items=run.items,
        clusters=len(run.live),
        noise=run.noise,
        continued_issues=len(run.live),
        reopened_issues=sum(event.kind == "reopened" for event in run.events),
        retired_issues=sum(event.kind == "vanished" for event in run.events),
        # The kept fit's landmarks placed the new items; with none new, nothing was placed.
        reduction="reused" if new.items else "none",
        seconds=time.perf_counter() - clock,
        kind="incremental",
        new_items=len(new.items),
        assigned_items=sum(issue_id is not None for issue_id in issue_ids),
    )


async def _what_changed(
    engine: AsyncEngine,
    settings: Settings,
    embedder: Embedder,
    app: str,
    params: DiscoveryParams,
    recipe: str,
    step: Callable[[str, int], None],
) -> _Changes | None:
    """What came and went since the last pass, when an incremental pass may handle it; None when a full one is due."""
    step("loading what changed", 0)
    last_full = await RunHistoryStore(engine).last_full(app)
    reason = full_pass_reason(last_full, recipe, datetime.now(UTC), settings)
    if reason is not None or last_full is None:
        logger.info("full clustering pass for %s: %s", app, reason)
        return None
    counts = await NegativeFeedbackStore(engine).negative_counts(app)
    step("loading issues and members", 0)
    state = await IssueIncrementStore(engine).state(app)
    if not counts and not state.issues:
        return None  # nothing left to cluster: the full pass retires what remains
    new_ids = frozenset(counts.keys() - state.seen)
    gone = sorted((state.seen | state.issue_of.keys()) - counts.keys())
    reason = drift_reason(last_full, len(new_ids) + len(gone), settings)
    landmarks = None
    if reason is None and new_ids:
        step("loading landmarks", 0)
        landmarks = await LandmarkStore(engine).load(app, embedder.model_name)
        if landmarks is None or landmarks.fingerprint != fit_fingerprint(embedder.model_name, params):
            reason = "no kept fit of this recipe to place new complaints with"
    if reason is not None:
        logger.info("full clustering pass for %s: %s", app, reason)
        return None
    smallest_issue = params.clustering.min_cluster_size or adaptive_min_cluster_size(last_full.items)
    return _Changes(counts, state, new_ids, gone, landmarks, smallest_issue)


def _assign_and_place(
    state: AppIssueState, vectors: np.ndarray | None, landmarks: Landmarks | None, params: DiscoveryParams
) -> tuple[list[str | None], list[tuple[float, float]]]:
    """The issue each new vector joins (None: unassigned) and its map point; CPU work, run off the event loop."""
    if vectors is None or len(vectors) == 0:
        return [], []
    eligible: list[str] = []
    centroids: list[np.ndarray] = []
    bars: list[float] = []
    for issue in state.issues:
        if issue.centroid is not None and issue.admission_similarity is not None:
            eligible.append(issue.id)
            centroids.append(issue.centroid)
            bars.append(issue.admission_similarity)
    matrix = np.stack(centroids) if centroids else np.zeros((0, vectors.shape[1]), dtype=np.float32)
    labels = assign_to_issues(vectors, matrix, np.array(bars, dtype=np.float64))
    issue_ids = [eligible[label] if label >= 0 else None for label in labels]
    assert landmarks is not None  # loaded whenever there are new items
    placed = place_among_landmarks(
        vectors, landmarks.vectors, landmarks.map_points, params.reduction.n_neighbors, landmarks.fitted
    )
    return issue_ids, [(float(x), float(y)) for x, y in placed]
