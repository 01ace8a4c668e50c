"""Review tasks follow their issue's complaints when the issue is merged into another.

A merged issue keeps its id but is dismissed with size 0; its complaints belong to the issue it
was merged into. A task left open on it would be about nothing a reviewer can fix (a fix for it
is refused: gateway.fixes.issue_fixes), so its open task goes to the issue holding the complaints
now, or, when that issue has an open task of its own, is dismissed naming the task that carries on.
Run after every clustering pass (which merges issues) and after every merge a person makes.
"""

from __future__ import annotations

from gateway.domain.issues import IssueService
from gateway.review.records import UNFINISHED
from gateway.review.service import ReviewService
from gateway.store.reviews import ReviewFilter

PAGE = 500


async def follow_merged_issues(reviews: ReviewService, issues: IssueService, app: str) -> int:
    """Hand every open task of `app` whose issue was merged away to the issue holding its complaints now; how many moved."""
    moved = 0
    for task_id, issue_id in await _open_tasks_with_issues(reviews, app):
        into = await issues.merged_away_into(issue_id)
        if into is not None:
            await reviews.follow_merged_issue(task_id, issue_id, into)
            moved += 1
    return moved


async def _open_tasks_with_issues(reviews: ReviewService, app: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    offset: int | None = 0
    while offset is not None:
        page = await reviews.list(ReviewFilter(app=app, status=UNFINISHED), "queue", PAGE, offset)
        found.extend((task.id, task.issue_id) for task in page.data if task.issue_id is not None)
        offset = page.next_offset
    return found
