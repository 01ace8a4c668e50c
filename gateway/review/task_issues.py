"""The issues a review task's answers belong to, with the fixes in force for each: one rule for the page and the API.

A task opened by a rule that looks at answers rather than at issues (similar negative feedback, low
confidence, an anomaly, a flag, a person) names no issue, yet its answers are often complaints an
issue holds, and that issue may have a fix live already. A reviewer who is not told so makes a
second fix that nobody measures against the issue. So a task names every issue holding some of its
interactions (how many each), its own issue first, and the fixes in force for each: the fixes it may
be resolved by (gateway.review.task_fix_reads.TaskFixReads.linked_fixes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gateway.effect.records import NamedFix


@dataclass(frozen=True, slots=True)
class TaskIssue:
    """An issue holding some of a task's interactions (or the task's own issue), and the fixes in force for it."""

    issue_id: str
    title: str
    status: str
    regressed: bool
    # How many of the task's interactions the issue holds.
    interactions: int
    # Whether it is the issue the task is about (or the one that issue was merged into).
    about_task: bool
    # The fixes linked to the issue that are in force now, the latest first.
    fixes: tuple[NamedFix, ...] = ()


def member_issues(
    counts: Mapping[str, int], heads: Mapping[str, Mapping[str, Any]], about: str | None
) -> list[TaskIssue]:
    """The issues of `counts` (interactions held, by issue id) and the task's own issue `about`, from their `heads`:
    the task's issue first (even holding none of them), then the most interactions first (ties: by id).

    An issue merged away holds no members (they moved with the merge), so one still counted is left out.
    """
    found = []
    for issue_id in {*counts, *([about] if about is not None else [])}:
        head = heads.get(issue_id)
        if head is None or (head.get("merged_into") is not None and issue_id != about):
            continue
        found.append(
            TaskIssue(
                issue_id,
                head["title"],
                str(head["status"]),
                bool(head["regressed"]),
                counts.get(issue_id, 0),
                issue_id == about,
            )
        )
    return sorted(found, key=lambda issue: (not issue.about_task, -issue.interactions, issue.issue_id))


def fixes_in_force(issues: Sequence[TaskIssue]) -> list[NamedFix]:
    """Every fix in force for `issues`, in their order: what a task about them may be resolved by."""
    return [fix for issue in issues for fix in issue.fixes]
