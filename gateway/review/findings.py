"""What a background rule found: a task to open or update, and the one call that hands it to the review service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.review.opening import Opened
from gateway.review.records import Priority, Source
from gateway.review.service import ReviewService


@dataclass(frozen=True, slots=True)
class RuleFinding:
    """A rule's verdict that these interactions of `app` need a person, and why (evidence as it was then)."""

    app: str
    source: Source
    reason: str
    priority: Priority
    interaction_ids: tuple[str, ...]
    evidence: dict[str, Any]
    tags: tuple[str, ...] = ()


async def open_finding(reviews: ReviewService, finding: RuleFinding) -> Opened | None:
    """Open a task for `finding`, or update the open task holding any of its interactions (the service dedupes)."""
    return await reviews.open_or_update(
        app=finding.app,
        source=finding.source,
        reason=finding.reason,
        priority=finding.priority,
        interaction_ids=finding.interaction_ids,
        evidence=finding.evidence,
        tags=finding.tags,
    )
