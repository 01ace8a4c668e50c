"""One clustering pass: negative feedback in, tracked issues out, one pass at a time across processes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import uuid_utils
from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.documents import build_documents
from clustering.embed import Embedder
from clustering.pipeline import DiscoveredCluster, DiscoveryParams, discover_clusters
from clustering.track import ExistingIssue, NewCluster, TrackingResult, match_clusters
from gateway.config import Settings
from gateway.discovery.items import NegativeItems, apps_with_negative_feedback, as_utc, load_negative_items
from gateway.store.embedding_cache import embed_with_database_cache
from gateway.store.issues import IssueEvent, IssueStore, IssueWrite, RunRecord, TrackedIssue
from gateway.store.locks import try_lock

LOCK_NAME = "feedgate.clustering"
# (what is happening, steps done, steps in total): for progress bars.
Progress = Callable[[str, int, int], None]
STEPS_PER_APP = 4


@dataclass(frozen=True, slots=True)
class AppRunSummary:
    """What one app's run found."""

    app: str
    run_id: str | None
    items: int
    clusters: int
    noise: int
    new_issues: int = 0
    continued_issues: int = 0
    reopened_issues: int = 0


@dataclass(frozen=True, slots=True)
class RunSummary:
    """The outcome of a pass: per-app results, or that another pass holds the lock."""

    already_running: bool = False
    apps: list[AppRunSummary] = field(default_factory=list)


async def run_clustering_pass(
    engine: AsyncEngine,
    settings: Settings,
    embedder: Embedder,
    app: str | None = None,
    progress: Progress | None = None,
    params: DiscoveryParams = DiscoveryParams(),
) -> RunSummary:
    """Cluster the negative feedback of `app` (default: every app, each on its own) and update its issues."""
    report = progress or (lambda _step, _done, _total: None)
    ttl = timedelta(seconds=settings.cluster_lock_ttl)
    async with try_lock(engine, LOCK_NAME, ttl) as acquired:
        if not acquired:
            return RunSummary(already_running=True)
        apps = [app] if app is not None else await apps_with_negative_feedback(engine)
        total = STEPS_PER_APP * len(apps)
        summaries = []
        for index, name in enumerate(apps):

            def step(what: str, done: int, _app: str = name, _base: int = index * STEPS_PER_APP) -> None:
                report(f"{_app}: {what}", _base + done, total)

            summaries.append(await _run_app(engine, embedder, name, params, step))
        report("done", total, total)
        return RunSummary(apps=summaries)


async def _run_app(
    engine: AsyncEngine,
    embedder: Embedder,
    app: str,
    params: DiscoveryParams,
    step: Callable[[str, int], None],
) -> AppRunSummary:
    started_at = datetime.now(UTC)
    step("loading feedback", 0)
    negative = await load_negative_items(engine, app)
    if not negative.items:
        return AppRunSummary(app=app, run_id=None, items=0, clusters=0, noise=0)
    step(f"embedding {len(negative.items)} items", 1)
    documents = build_documents(negative.items, params.recipe)
    vectors = await embed_with_database_cache(engine, embedder, documents)
    step("clustering", 2)
    clusters = await asyncio.to_thread(
        discover_clusters, negative.items, vectors, params=params, documents=documents
    )
    step("tracking issues", 3)
    store = IssueStore(engine)
    tracked = await store.tracked(app)
    tracking = match_clusters(
        [ExistingIssue(t.id, t.centroid, t.member_ids, t.status) for t in tracked],
        [NewCluster(c.centroid, frozenset(c.member_ids)) for c in clusters],
    )
    writes, events = _issue_writes(clusters, tracking, {t.id: t for t in tracked}, negative)
    clustered = sum(cluster.size for cluster in clusters)
    run = RunRecord(
        id=str(uuid_utils.uuid7()),
        app=app,
        started_at=started_at,
        finished_at=datetime.now(UTC),
        items=len(negative.items),
        noise=len(negative.items) - clustered,
        issues=writes,
        events=events,
    )
    await store.save_run(run)
    return AppRunSummary(
        app=app,
        run_id=run.id,
        items=run.items,
        clusters=len(clusters),
        noise=run.noise,
        new_issues=sum(write.is_new for write in writes),
        continued_issues=sum(not write.is_new for write in writes),
        reopened_issues=sum(event.kind == "reopened" for event in events),
    )


def _issue_writes(
    clusters: list[DiscoveredCluster],
    tracking: TrackingResult,
    tracked: dict[str, TrackedIssue],
    negative: NegativeItems,
) -> tuple[list[IssueWrite], list[IssueEvent]]:
    """Turn tracking outcomes into issue rows and events."""
    created_at = {item.interaction_id: item.created_at for item in negative.items}
    issue_of_cluster: dict[int, str] = {}
    writes: list[IssueWrite] = []
    events: list[IssueEvent] = []
    for outcome in tracking.outcomes:
        cluster = clusters[outcome.cluster_index]
        previous = tracked.get(outcome.issue_id) if outcome.issue_id else None
        issue_id = previous.id if previous else str(uuid_utils.uuid7())
        issue_of_cluster[outcome.cluster_index] = issue_id
        seen = [created_at[m] for m in cluster.member_ids if created_at.get(m) is not None]
        earlier = as_utc(previous.first_seen) if previous else None
        first_seen = min([*seen, *([earlier] if earlier else [])], default=None)
        if previous is None:
            status, regressed = "new", False
        elif outcome.regressed:
            status, regressed = "open", True
            fresh = len(set(cluster.member_ids) - previous.member_ids)
            events.append(IssueEvent(issue_id, "reopened", {"new_members": fresh}))
        else:
            status, regressed = previous.status, previous.regressed
        writes.append(
            IssueWrite(
                id=issue_id,
                is_new=previous is None,
                title=cluster.title,
                keywords=list(cluster.keywords),
                status=status,
                regressed=regressed,
                size=cluster.size,
                negative_count=sum(negative.negative_counts.get(m, 0) for m in cluster.member_ids),
                centroid=np.asarray(cluster.centroid, dtype=np.float32),
                examples=[
                    {"interaction_id": rid, "text": text}
                    for rid, text in zip(cluster.representative_ids, cluster.representative_texts, strict=True)
                ],
                first_seen=first_seen,
                last_seen=max(seen, default=None),
                member_ids=cluster.member_ids,
            )
        )
    for split in tracking.splits:
        into = [issue_of_cluster[c] for c in split.cluster_indices]
        events.append(IssueEvent(split.issue_id, "split", {"into": into}))
    for merge in tracking.merges:
        events.append(IssueEvent(merge.surviving_issue_id, "merge", {"merged": list(merge.issue_ids)}))
    return writes, events
