"""The issue rule: after a clustering pass, a review task for each issue that got big or grew fast."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.issue_status import CLOSED_STATUSES
from gateway.config import Settings
from gateway.counted import counted
from gateway.domain.issues import Issue, IssueService
from gateway.review.merged_issues import follow_merged_issues
from gateway.review.records import Priority, Source
from gateway.review.service import ReviewService, review_service
from gateway.store.issues import IssueFilter, IssueStore

logger = logging.getLogger("feedgate.review")

# Growth by share alone needs at least this many new complaints: 1 -> 2 doubles, but says little.
MIN_GROWTH_FOR_SHARE = 3
# An issue's first keywords become the task's tags, for reviewers who know the topic.
TAGGED_KEYWORDS = 5
PAGE = 500


@dataclass(frozen=True, slots=True)
class IssueRule:
    """When an issue needs a person, and how urgently.

    Opens (or updates) a task when, after a pass, an issue that is new or open:
    - holds at least `min_size` complaints and never had a task ("reached");
    - grew by at least `growth` complaints since the previous pass ("grew");
    - grew by at least `growth_share` of its previous size, by MIN_GROWTH_FOR_SHARE or more ("grew fast");
    - or came back after being resolved and grew ("regressed").
    A new issue (no previous pass) has not grown: it gets a task only once it holds `min_size`.
    An issue whose task is still open and that grew by less updates that task ("reached" when it
    crossed `min_size`, else "updated"), so the task keeps up with the issue's members and size.
    Priority: high for a regression, an issue of 5 × `min_size` or more, or growth of 2 × `growth`
    or more in one pass; medium from 2 × `min_size`, or growth of `growth` or more; low otherwise
    (a new issue's priority follows its size alone).
    """

    min_size: int
    growth: int
    growth_share: float

    @classmethod
    def from_settings(cls, settings: Settings) -> IssueRule:
        """The rule's thresholds from `settings`."""
        return cls(settings.review_issue_min_size, settings.review_issue_growth, settings.review_issue_growth_share)

    def trigger(self, issue: Issue, ever_had_task: bool, has_open_task: bool = False) -> str | None:
        """Why `issue` needs its task written now ("regressed", "grew", "grew_fast", "reached", "updated"), or None.

        `has_open_task`: a task for the issue still waits for a person (it follows the issue's growth).
        """
        if issue.status in CLOSED_STATUSES or issue.size <= 0:
            return None
        growth = _growth(issue)
        previous = issue.size - growth
        if issue.regressed and issue.growth > 0:  # a regression is never new: it came back
            return "regressed"
        if growth >= self.growth:
            return "grew"
        if previous > 0 and growth >= MIN_GROWTH_FOR_SHARE and growth >= self.growth_share * previous:
            return "grew_fast"
        if issue.size >= self.min_size and not ever_had_task:
            return "reached"
        if has_open_task and growth > 0:
            return "reached" if previous < self.min_size <= issue.size else "updated"
        return None

    def priority(self, issue: Issue) -> Priority:
        """How urgent an issue's task is, from its size, its growth and whether it regressed."""
        growth = _growth(issue)
        if issue.regressed or issue.size >= 5 * self.min_size or growth >= 2 * self.growth:
            return Priority.HIGH
        if issue.size >= 2 * self.min_size or growth >= self.growth:
            return Priority.MEDIUM
        return Priority.LOW


def _growth(issue: Issue) -> int:
    """What the rule counts as `issue`'s growth: none for a new issue, which has no previous pass to grow from.

    A new issue's `growth` is its whole size (0 before it); counted as growth, any new issue of
    `growth` complaints would open a task, and one of 2 × `growth` would be urgent, whatever `min_size` says.
    """
    return issue.growth if issue.size - issue.growth > 0 else 0


def issue_reason(issue: Issue) -> str:
    """The task's reason, in a sentence: the issue, its size and how it changed."""
    previous = issue.size - issue.growth
    if previous <= 0:
        return f"New issue \u201c{issue.title}\u201d appeared with {counted(issue.size, 'complaint')} in one clustering pass."
    sentence = f"Issue \u201c{issue.title}\u201d has {counted(issue.size, 'complaint')}"
    if issue.growth > 0:
        sentence += f", {issue.growth} more than after the previous pass"
    if issue.regressed:
        sentence += ", and came back after it was resolved"
    return sentence + "."


def issue_evidence(
    issue: Issue, examples: list[dict[str, str]], trigger: str, run_id: str, rule: IssueRule
) -> dict[str, Any]:
    """What the task is opened on, as it is now: the issue's numbers and examples, the trigger and thresholds."""
    return {
        "trigger": trigger,
        "run_id": run_id,
        "issue": {
            "id": issue.id,
            "title": issue.title,
            "summary": issue.summary,
            "keywords": list(issue.keywords),
            "status": issue.status.value,
            "regressed": issue.regressed,
            "size": issue.size,
            "previous_size": issue.size - issue.growth,
            "growth": issue.growth,
            "negative_count": issue.negative_count,
            "examples": examples,
        },
        "thresholds": {"min_size": rule.min_size, "growth": rule.growth, "growth_share": rule.growth_share},
    }


async def apply_issue_rule(reviews: ReviewService, issues: IssueService, rule: IssueRule, app: str, run_id: str) -> int:
    """Open or update a task for each of `app`'s issues that the rule picks after run `run_id`; returns how many."""
    candidates: list[Issue] = []
    offset: int | None = 0
    while offset is not None:
        page = await issues.list(IssueFilter(app=app), sort="size", limit=PAGE, offset=offset)
        candidates.extend(page.data)
        offset = page.next_offset
    with_tasks = await reviews.issues_with_tasks([issue.id for issue in candidates])
    # Of any source: a person's task for an issue is that issue's one open task too, and follows its growth.
    with_open_tasks = await reviews.issues_with_open_tasks(app)
    touched = 0
    for issue in candidates:
        trigger = rule.trigger(issue, issue.id in with_tasks, issue.id in with_open_tasks)
        if trigger is None:
            continue
        members = await issues.members(issue.id)
        if members is None:
            continue
        examples = [{"interaction_id": e.interaction_id, "text": e.text} for e in members.examples]
        written = await reviews.write_task(
            app=app,
            source=Source.ISSUE,
            reason=issue_reason(issue),
            priority=rule.priority(issue),
            interaction_ids=members.member_ids,
            issue_id=issue.id,
            evidence=issue_evidence(issue, examples, trigger, run_id, rule),
            tags=issue.keywords[:TAGGED_KEYWORDS],
        )
        touched += written is not None
    return touched


async def review_issues_after_run(engine: AsyncEngine, settings: Settings, app: str, run_id: str) -> int:
    """The issue rule after a stored run, as the clustering pass calls it: a failure is logged, never raised.

    Returns how many tasks were opened or updated (0 when the rule is off or failed).
    """
    try:
        reviews, issues = review_service(engine, settings), IssueService(IssueStore(engine))
        # The pass may have merged issues: their open tasks go where the complaints went (rule on or off).
        await follow_merged_issues(reviews, issues, app)
        if not settings.review_issue_rule:
            return 0
        touched = await apply_issue_rule(reviews, issues, IssueRule.from_settings(settings), app, run_id)
    except Exception:
        # The pass's issues are stored already; a review hiccup must not fail the pass.
        logger.exception("the issue rule failed after clustering run %s of %s", run_id, app)
        return 0
    if touched:
        logger.info("issue rule: %d review task(s) opened or updated for %s", touched, app)
    return touched
