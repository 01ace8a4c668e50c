"""From an incremental pass's assignments to what the store writes: members that came or went, touched issues.

The figures are exact, not patched: each issue's size and negative count are recounted from
its members and the current complaints, so a withdrawn complaint, or a second user complaining
about one already clustered, shows in the counts the issue rule and the listings read. What
waits for the next full pass is the description: keywords, titles, examples and centroids stay.

An issue left with fewer members than `smallest_issue` (the smallest cluster the last full pass
could make: its minimum cluster size) is retired as an emptied one is: size 0, a "vanished" event,
a history point of 0, its members unassigned until the next full pass. Every issue the full pass
left had at least that many members, so only one that lost members since (withdrawn complaints, an
erasure) goes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from clustering.documents import FeedbackItem
from clustering.issue_status import IssueStatus
from clustering.track import complaints_since_resolution
from gateway.store.feedback_map_points import Point
from gateway.store.issue_increments import AppIssueState, IncrementalRun, IssueChange, LiveIssue
from gateway.store.issue_records import IssueEvent


@dataclass(frozen=True, slots=True)
class Assignment:
    """The new complaints of an incremental pass, the issue each joined (None: unassigned), and their map points."""

    items: Sequence[FeedbackItem]
    issue_ids: Sequence[str | None]
    map_points: Mapping[str, Point]


@dataclass(frozen=True, slots=True)
class RunIdentity:
    """Who the run is: its id, app, start and end, and the recipe it built on."""

    id: str
    app: str
    started_at: datetime
    finished_at: datetime
    recipe: str


def incremental_run(
    run: RunIdentity,
    state: AppIssueState,
    counts: Mapping[str, int],
    assignment: Assignment,
    gone: Sequence[str],
    smallest_issue: int = 1,
) -> IncrementalRun:
    """The run that adds `assignment` to `state` and drops the `gone` complaints, with recounted issues; those left
    with fewer than `smallest_issue` members are retired."""
    joined: dict[str, list[FeedbackItem]] = {}
    for item, issue_id in zip(assignment.items, assignment.issue_ids, strict=True):
        if issue_id is not None:
            joined.setdefault(issue_id, []).append(item)
    members: dict[str, list[str]] = {issue.id: [] for issue in state.issues}
    for interaction_id, issue_id in state.issue_of.items():
        if interaction_id in counts and issue_id in members:
            members[issue_id].append(interaction_id)
    changes: list[IssueChange] = []
    events: list[IssueEvent] = []
    live: list[tuple[str, int, int]] = []
    retired: set[str] = set()
    for issue in state.issues:
        newcomers = joined.get(issue.id, [])
        now_members = members[issue.id] + [item.interaction_id for item in newcomers]
        returning = _returning(issue, newcomers)
        change = _recounted(issue, now_members, newcomers, returning, counts)
        if change.size < smallest_issue:
            # Below any cluster a full pass makes: retired as that pass would, its status as it was.
            change = replace(change, size=0, negative_count=0, status=issue.status, regressed=issue.regressed)
        if change.size == 0:
            retired.add(issue.id)
            events.append(IssueEvent(issue.id, "vanished", {"previous_size": issue.size}))
        else:
            live.append((issue.id, change.size, change.negative_count))
        if change.status != issue.status:
            events.append(IssueEvent(issue.id, "reopened", {"new_members": returning}))
        if _differs(issue, change):
            changes.append(change)
    clustered = sum(size for _, size, _ in live)
    return IncrementalRun(
        id=run.id,
        app=run.app,
        started_at=run.started_at,
        finished_at=run.finished_at,
        recipe=run.recipe,
        items=len(counts),
        noise=len(counts) - clustered,
        changed_items=len(assignment.items) + len(gone),
        live=live,
        changes=changes,
        # A complaint that joined an issue this run retired stays unassigned until the next full pass.
        joined=[
            (issue_id, item.interaction_id)
            for issue_id, items in joined.items()
            if issue_id not in retired
            for item in items
        ],
        withdrawn=list(gone),
        events=events,
        map_points=dict(assignment.map_points),
    )


def _returning(issue: LiveIssue, newcomers: Sequence[FeedbackItem]) -> int:
    """How many of a resolved issue's new complaints show it came back (none for any other issue)."""
    # As in a full pass's tracking: complaints about answers given since it was resolved; a
    # dismissed issue keeps collecting them quietly.
    if issue.status != IssueStatus.RESOLVED:
        return 0
    asked_at = {item.interaction_id: item.created_at for item in newcomers}
    return len(complaints_since_resolution(asked_at, issue.resolved_at, asked_at))


def _recounted(
    issue: LiveIssue,
    member_ids: Sequence[str],
    newcomers: Sequence[FeedbackItem],
    returning: int,
    counts: Mapping[str, int],
) -> IssueChange:
    status, regressed = issue.status, issue.regressed
    if returning:
        status, regressed = IssueStatus.OPEN, True
    seen = [item.created_at for item in newcomers if item.created_at is not None]
    first = [moment for moment in (issue.first_seen, *seen) if moment is not None]
    last = [moment for moment in (issue.last_seen, *seen) if moment is not None]
    return IssueChange(
        id=issue.id,
        size=len(member_ids),
        negative_count=sum(counts.get(member, 0) for member in member_ids),
        status=status,
        regressed=regressed,
        first_seen=min(first, default=None),
        last_seen=max(last, default=None),
    )


def _differs(issue: LiveIssue, change: IssueChange) -> bool:
    before = (issue.size, issue.negative_count, issue.status, issue.regressed, issue.first_seen, issue.last_seen)
    after = (change.size, change.negative_count, change.status, change.regressed, change.first_seen, change.last_seen)
    return before != after
