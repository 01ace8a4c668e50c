"""What a clustering pass reports, per app and in all."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

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
