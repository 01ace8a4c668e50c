"""One clustering pass: negative feedback in, tracked issues out, one pass at a time across processes."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import uuid_utils
from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.documents import DocumentRecipe, build_documents, topic_texts
from clustering.embed import Embedder, content_hash
from clustering.kept_together import KeptTogether
from clustering.label import LLMTitler
from clustering.landmarks import landmark_rows
from clustering.pipeline import DiscoveredCluster, DiscoveryParams, discover_clusters
from clustering.reduce import Reduction, reduce_with_fit
from clustering.track import ExistingIssue, NewCluster, match_clusters
from gateway.config import Settings
from gateway.counted import counted
from gateway.discovery.feedback_map import map_change
from gateway.discovery.incremental import run_incremental
from gateway.discovery.issue_updates import issue_updates
from gateway.discovery.items import NegativeItems, load_negative_items
from gateway.discovery.merge_judging import JudgedComplaints, MergeJudging
from gateway.discovery.pass_plan import fit_fingerprint, recipe_fingerprint
from gateway.discovery.split_judging import judge_clusters
from gateway.discovery.summary import AppRunSummary, RunSummary
from gateway.discovery.titles import title_clusters
from gateway.effect.links import follow_fix_links_after_run
from gateway.effect.regression import check_regressions_after_run
from gateway.effect.verdict_cache import refresh_effects_after_run
from gateway.observability.metrics import record_clustering_run
from gateway.review.issue_rule import review_issues_after_run
from gateway.store.embedding_cache import embed_with_database_cache
from gateway.store.feedback_map_points import FeedbackMapStore, MapUpdate
from gateway.store.issue_records import RunRecord, TrackedIssue
from gateway.store.issue_stamps import IssuesChangedMeanwhile
from gateway.store.issues import IssueStore
from gateway.store.kept_reduction import KeptReduction
from gateway.store.locks import CLUSTERING_LOCK, take_lock
from gateway.store.merge_judgements import MergeJudgementStore
from gateway.store.negative_feedback import NegativeFeedbackStore
from gateway.store.reduction_fits import ReductionFitStore

__all__ = ["LOCK_NAME", "AppRunSummary", "RunSummary", "discovery_params", "run_clustering_pass"]

LOCK_NAME = CLUSTERING_LOCK
# (what is happening, steps done, steps in total): for progress bars.
Progress = Callable[[str, int, int], None]
STEPS_PER_APP = 4
# How often one app's pass starts over because people changed its issues while it ran, before it gives up.
MAX_ATTEMPTS = 3

logger = logging.getLogger("feedgate.discovery")


async def run_clustering_pass(
    engine: AsyncEngine,
    settings: Settings,
    embedder: Embedder,
    app: str | None = None,
    progress: Progress | None = None,
    params: DiscoveryParams | None = None,
    titler: LLMTitler | None = None,
    merge_judging: MergeJudging | None = None,
) -> RunSummary:
    """Cluster the negative feedback of `app` (default: every app, each on its own) and update its issues.

    `params` defaults to the product's recipe with the document parts from `settings`; with
    `merge_judging`, a full pass on a small app asks it which close clusters are one problem.
    """
    report = progress or (lambda _step, _done, _total: None)
    params = params or discovery_params(settings)
    ttl = timedelta(seconds=settings.cluster_lock_ttl)
    async with take_lock(engine, LOCK_NAME, ttl, held_for="the clustering pass") as lock:
        if not lock.acquired:
            return RunSummary(already_running=True)
        if app is not None:
            apps = [app]
        else:
            # Apps whose issues may need retiring count too, even with no complaint left.
            apps = sorted(set(await NegativeFeedbackStore(engine).apps()) | set(await IssueStore(engine).live_apps()))
        total = STEPS_PER_APP * len(apps)
        summaries = []
        for index, name in enumerate(apps):

            def step(what: str, done: int, _app: str = name, _base: int = index * STEPS_PER_APP) -> None:
                report(f"{_app}: {what}", _base + done, total)

            # A prune or an erasure waiting for the pass names the app it waits on (gateway.cli_privacy).
            await lock.say(f"the clustering pass of app {name!r}")

            summary = await _pass_app(engine, settings, embedder, titler, merge_judging, name, params, step)
            step("review rules", STEPS_PER_APP)
            if summary.run_id is not None:
                record_clustering_run(name, summary.seconds, summary.items, summary.clusters, summary.noise)
                # Issues that got big or grew fast get a review task; a failure here is logged, not raised.
                await review_issues_after_run(engine, settings, name, summary.run_id)
                # Fixes linked to issues the pass merged away go where the complaints went; logged, not raised.
                await follow_fix_links_after_run(engine, name)
            # Resolved issues whose negative rate climbed back after their fix reopen; a failure is logged, not raised.
            await check_regressions_after_run(engine, settings, embedder, name)
            # The effects of the app's open issues' fixes, kept for the overview to weigh; logged, not raised.
            await refresh_effects_after_run(engine, settings, embedder, name)
            summaries.append(summary)
        report("done", total, total)
        return RunSummary(apps=summaries)


def discovery_params(settings: Settings) -> DiscoveryParams:
    """The clustering recipe with the configured document parts."""
    parts = set(settings.cluster_document_parts)
    recipe = DocumentRecipe(
        include_comment="comment" in parts,
        include_correction="correction" in parts,
        include_user_message="question" in parts,
        include_answer="answer" in parts,
    )
    return DiscoveryParams(recipe=recipe)


async def _pass_app(
    engine: AsyncEngine,
    settings: Settings,
    embedder: Embedder,
    titler: LLMTitler | None,
    merge_judging: MergeJudging | None,
    app: str,
    params: DiscoveryParams,
    step: Callable[[str, int], None],
) -> AppRunSummary:
    """One pass over `app`, incremental when it may be; started again when people edit its issues meanwhile."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            summary = await run_incremental(engine, settings, embedder, app, params, step)
            return summary or await _run_app(engine, embedder, titler, merge_judging, app, params, step)
        except IssuesChangedMeanwhile as changed:
            # Writing what the pass read would undo their status, title or merge: start from what they made.
            if attempt == MAX_ATTEMPTS:
                raise
            logger.info("clustering pass for %s starts again: %s", app, changed)
    raise AssertionError("unreachable")  # pragma: no cover


async def _cluster(
    engine: AsyncEngine,
    embedder: Embedder,
    app: str,
    negative: NegativeItems,
    params: DiscoveryParams,
    step: Callable[[str, int], None],
    kept_together: KeptTogether | None = None,
    merge_judging: MergeJudging | None = None,
    tracked: dict[str, TrackedIssue] | None = None,
) -> tuple[str, list[DiscoveredCluster], KeptReduction]:
    """Embed, reduce (reusing the app's kept fit) and cluster; (reduction kind, clusters, what to keep of the
    reduction), the last written with the run so that a pass dying before it leaves the kept fit and map as they were."""
    kept_fit = await ReductionFitStore(engine).load(app)
    if not negative.items:
        # Every complaint was withdrawn: nothing to cluster, and the fit describes no one.
        nothing = MapUpdate(replace=True, added={}, removed=frozenset())
        return "none", [], KeptReduction(new_fit=kept_fit is not None, fit=None, landmarks=None, map=nothing)
    step(f"embedding {counted(len(negative.items), 'item')}", 1)
    documents = build_documents(negative.items, params.recipe)
    vectors = await embed_with_database_cache(engine, embedder, documents)
    step("clustering", 2)
    ids = [item.interaction_id for item in negative.items]
    hashes = [content_hash(document) for document in documents]
    fingerprint = fit_fingerprint(embedder.model_name, params)

    def reduce_and_cluster() -> tuple[Reduction, list[DiscoveredCluster]]:
        # A complaint whose words changed since the fit (a new comment) is placed by its words now.
        reduction = reduce_with_fit(ids, vectors, kept_fit, params.reduction, fingerprint, hashes)
        clusters = discover_clusters(
            negative.items,
            vectors,
            params=params,
            documents=documents,
            coordinates=reduction.coordinates,
            kept_together=kept_together,
        )
        return reduction, clusters

    reduction, clusters = await asyncio.to_thread(reduce_and_cluster)
    if merge_judging is not None:
        stored = MergeJudgementStore(engine, merge_judging.answer_lifetime)
        topics = topic_texts(negative.items, params.recipe)
        complaints = JudgedComplaints(ids, documents, vectors, params, topics)
        clusters = await judge_clusters(clusters, complaints, merge_judging, tracked or {}, stored)
    landmarks = None
    if reduction.fit is not None:
        # Incremental passes place new complaints among a sample of the fitted points.
        fitted = [row for row, key in enumerate(ids) if key in reduction.fit.coordinates]
        chosen = [fitted[int(n)] for n in landmark_rows(len(fitted))]
        landmarks = {ids[row]: hashes[row] for row in chosen}
    # The issue page's map: drawn now, from this pass's coordinates, and kept.
    refitted, moved = reduction.fit is not kept_fit, {str(key) for key in reduction.moved}
    drawn = await map_change(FeedbackMapStore(engine), app, ids, reduction.coordinates, refitted=refitted, moved=moved)
    kept = KeptReduction(new_fit=refitted, fit=reduction.fit, landmarks=landmarks, map=drawn)
    return ("fitted" if reduction.refitted else "reused" if reduction.fit is not None else "none"), clusters, kept


async def _run_app(
    engine: AsyncEngine,
    embedder: Embedder,
    titler: LLMTitler | None,
    merge_judging: MergeJudging | None,
    app: str,
    params: DiscoveryParams,
    step: Callable[[str, int], None],
) -> AppRunSummary:
    started_at = datetime.now(UTC)
    clock = time.perf_counter()
    step("loading feedback", 0)
    negative = await load_negative_items(engine, app, answers=params.recipe.include_answer)
    store = IssueStore(engine)
    # Read before the issues themselves: an edit made from here on stops the run from being stored.
    stamps = await store.stamps(app)
    tracked = {issue.id: issue for issue in await store.tracked(app)}
    if not negative.items and not any(issue.size for issue in tracked.values()):
        return AppRunSummary(app=app, run_id=None, items=0, clusters=0, noise=0)
    # What a person merged stays one issue: the survivor's complaints are kept together.
    merged = [t.member_ids for t in tracked.values() if t.merged_by_person and t.size > 0]
    filed = frozenset().union(*(t.member_ids for t in tracked.values())) if merged else frozenset()
    kept_together = KeptTogether(merged, filed) if merged else None
    reduction, clusters, kept = await _cluster(
        engine, embedder, app, negative, params, step, kept_together, merge_judging, tracked
    )
    step("tracking issues", 3)
    tracking = match_clusters(
        [ExistingIssue(t.id, t.centroid, t.member_ids, t.status, t.resolved_at) for t in tracked.values()],
        [NewCluster(c.centroid, frozenset(c.member_ids)) for c in clusters],
        asked_at={item.interaction_id: item.created_at for item in negative.items},
    )
    titles = await asyncio.to_thread(title_clusters, clusters, tracking, tracked, titler)
    updates = issue_updates(clusters, titles, tracking, tracked, negative)
    clustered = sum(cluster.size for cluster in clusters)
    run = RunRecord(
        id=str(uuid_utils.uuid7()),
        app=app,
        started_at=started_at,
        finished_at=datetime.now(UTC),
        items=len(negative.items),
        noise=len(negative.items) - clustered,
        issues=updates.writes,
        retired=updates.retired,
        events=updates.events,
        recipe=recipe_fingerprint(embedder.model_name, params),
    )
    await store.save_run(run, unchanged_since=stamps, kept=kept)
    return AppRunSummary(
        app=app,
        run_id=run.id,
        items=run.items,
        clusters=len(clusters),
        noise=run.noise,
        new_issues=sum(write.is_new for write in updates.writes),
        continued_issues=sum(not write.is_new for write in updates.writes),
        reopened_issues=sum(event.kind == "reopened" for event in updates.events),
        retired_issues=len(updates.retired),
        reduction=reduction,
        seconds=time.perf_counter() - clock,
    )
