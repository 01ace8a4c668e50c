"""What a clustering pass reports, per app and in all."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from clustering.cluster import adaptive_min_cluster_size
from gateway.counted import counted

PassKind = Literal["full", "incremental"]


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
    retired_issues: int = 0
    # "fitted": UMAP fitted afresh; "reused": the kept fit placed the new items;
    # "none": too few items for UMAP (or nothing new to place), the vectors were used as they are.
    reduction: str = "none"
    seconds: float = 0.0
    # "full": every complaint re-clustered; "incremental": only the new ones, each given to the
    # existing issue it belongs to or left unassigned until the next full pass.
    kind: PassKind = "full"
    # Incremental passes: the complaints new since the last pass, and how many joined an issue.
    new_items: int = 0
    assigned_items: int = 0


@dataclass(frozen=True, slots=True)
class RunSummary:
    """The outcome of a pass: per-app results, or that another pass holds the lock."""

    already_running: bool = False
    apps: list[AppRunSummary] = field(default_factory=list)


NOTHING_TO_CLUSTER = "clustering pass: no negative feedback to cluster yet"


def why_no_issue(app: AppRunSummary) -> str | None:
    """For an app whose complaints made no issue, how many alike complaints make one; else None."""
    if app.clusters or not app.items:
        return None
    # A first try (a thumbs down or two, then a pass) read "0 issues, 1 noise" and said no more.
    return f"no issue yet: an issue needs at least {adaptive_min_cluster_size(app.items)} alike complaints"


def app_log_fields(app: AppRunSummary) -> dict[str, object]:
    """One app's figures under the summary table's column names, plus its time and how it ran."""
    fields: dict[str, object] = {
        "app": app.app,
        "kind": app.kind,
        "items": app.items,
        "issues": app.clusters,
        "new": app.new_issues,
        "ongoing": app.continued_issues,
        "reopened": app.reopened_issues,
        "gone": app.retired_issues,
        "noise": app.noise,
        "seconds": round(app.seconds, 3),
        "reduction": app.reduction,
    }
    if app.kind == "incremental":
        # Only an incremental pass has these: how many complaints were new and how many joined an issue.
        fields.update(new_items=app.new_items, assigned_items=app.assigned_items)
    return fields


def pass_log_fields(summary: RunSummary) -> dict[str, object]:
    """A pass's figures as log fields: totals over its apps, and each app's own under `apps`.

    A pass with nothing to cluster has the same fields (all 0, no apps), so a log collector
    sees one shape for every pass.
    """
    totals: dict[str, object] = {name: _total(summary, name) for name in _TOTALS}
    return {**totals, "seconds": round(_seconds(summary), 3), "apps": [app_log_fields(app) for app in summary.apps]}


# Log field name -> the AppRunSummary count it adds up over a pass's apps.
_TOTALS = {
    "items": "items",
    "issues": "clusters",
    "new": "new_issues",
    "ongoing": "continued_issues",
    "reopened": "reopened_issues",
    "gone": "retired_issues",
    "noise": "noise",
}


def _total(summary: RunSummary, name: str) -> int:
    """The log field `name` (of _TOTALS) added up over the pass's apps."""
    return sum(getattr(app, _TOTALS[name]) for app in summary.apps)


def _seconds(summary: RunSummary) -> float:
    # Apps run one after another: the pass's clustering time is the sum of theirs.
    return sum((app.seconds for app in summary.apps), 0.0)


def pass_log_message(summary: RunSummary) -> str:
    """The pass in one sentence: `clustering pass: 1 app, 40 items, 3 issues (1 new, ...), 5 noise, 4.2 s`."""
    if not summary.apps:
        return NOTHING_TO_CLUSTER
    fields = pass_log_fields(summary)
    return (
        f"clustering pass: {counted(len(summary.apps), 'app')}, {counted(_total(summary, 'items'), 'item')}, "
        f"{counted(_total(summary, 'issues'), 'issue')} ({fields['new']} new, {fields['ongoing']} ongoing, "
        f"{fields['reopened']} reopened, {fields['gone']} gone), {fields['noise']} noise, {_seconds(summary):.1f} s"
    )
