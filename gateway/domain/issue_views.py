"""The stale-view rule for issue triage, one for the API and the admin pages (see IssueView).

A person decides a status change, rename or merge on the issue as a page (or a GET) showed it: its
status, title and merge; the store runs `view_check` under the issue's row lock, and the service
turns what it raises into IssueChanged or ChangeAlreadyMade (409 over HTTP), with nothing saved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from clustering.issue_status import IssueStatus
from clustering.label import MAX_ISSUE_TITLE
from gateway.domain.errors import InvalidQuery
from gateway.domain.fixed_values import not_one_of
from gateway.store.issue_edits import Check, IssueHead, PersonChange

if TYPE_CHECKING:
    from gateway.domain.issues import Issue

# The longest title an issue has: a person's rename, and what clustering stores (it cuts LLM and
# keyword titles to it), so it also bounds the `expected_title` a triage sends back.
MAX_TITLE = MAX_ISSUE_TITLE
# An issue's id (a UUID, as the issues table holds it): bounds the `expected_merged_into` a triage sends back.
MAX_ISSUE_ID = 36


@dataclass(frozen=True, slots=True)
class Difference:
    """One way an issue is no longer as a person saw it: `field` was `seen`, it is `now`.

    For "merged_into" the values are the issue it is merged into, None for not merged, and `by`
    who merged it when its history names them (None for a clustering run's merge, or not merged).
    """

    field: str
    seen: str | None
    now: str | None
    by: str | None = None

    def said(self) -> str:
        """The difference in words, as the API's 409 says it."""
        if self.field != "merged_into":
            return f"its {self.field} is now {self.now!r}, not {self.seen!r}"
        if self.now is None:
            return f"it is no longer merged into {self.seen!r}"
        by = f" by {self.by}" if self.by else ""
        if self.seen is None:
            return f"it was merged into {self.now!r}{by}"
        return f"it is now merged into {self.now!r}{by}, not into {self.seen!r}"


@dataclass(frozen=True, slots=True)
class IssueView:
    """What a person saw of an issue when they decided a change: its status, title and merge as shown.

    The stale-view rule, one for the API and the admin pages: a status change, rename or merge made
    with a view is refused (IssueChanged, nothing saved) when the issue's status, title or merge is
    no longer as seen, whoever changed it (a person or a clustering run): a page that showed the
    issue not merged cannot reopen or rename it once someone merged it; unless the issue already is
    exactly what the change asks for (a double-click, or someone else made the same decision; a
    status change or rename on an issue merged since never is, whatever its status or title): then
    nothing is written and the change answers as done, as long as it carries no note or the note
    the change that made it so recorded. A note that would be lost is not dropped in silence: when
    the view was stale (someone else made the change meanwhile) the change is refused
    (ChangeAlreadyMade: who made it, the note not saved); when the view is the issue as it is now,
    a status change is made again with the note (a person re-sending it on purpose, knowing), and
    a merge, which cannot be made twice, is refused the same way. A status or title left None is
    not checked; the merge always is (a view that names no merge is of an issue not merged). A
    change without a view is made as it comes (the API's default, unchanged).
    """

    status: IssueStatus | None = None
    title: str | None = None
    # The issue it was shown merged into; None: shown not merged (always checked, unlike the two above).
    merged_into: str | None = None

    @classmethod
    def sent(cls, status: str | None, title: str | None, merged_into: str | None = None) -> IssueView | None:
        """The view a form sent (an empty field: not sent; an empty merge: not merged); None when it sent none of them.

        An unknown status, a title longer than any issue's (MAX_TITLE) or a merge longer than an id is refused.
        """
        if status and status not in {known.value for known in IssueStatus}:
            raise not_one_of("expected_status", [known.value for known in IssueStatus], status)
        if title is not None and len(title) > MAX_TITLE:
            raise InvalidQuery("expected_title", f"'expected_title' must be at most {MAX_TITLE} characters")
        if merged_into is not None and len(merged_into) > MAX_ISSUE_ID:
            message = f"'expected_merged_into' must be an issue id, at most {MAX_ISSUE_ID} characters"
            raise InvalidQuery("expected_merged_into", message)
        if not status and title is None and not merged_into:
            return None
        return cls(IssueStatus(status) if status else None, title, merged_into or None)

    def differences(self, head: IssueHead) -> tuple[Difference, ...]:
        """How the issue as it stands differs from this view (titles compared with their spaces folded, as a rename stores them)."""
        found = []
        if self.merged_into != head.merged_into:
            found.append(Difference("merged_into", self.merged_into, head.merged_into, _merged_by(head)))
        if self.status is not None and self.status != head.status:
            found.append(Difference("status", self.status.value, head.status.value))
        if self.title is not None and folded(self.title) != folded(head.title):
            found.append(Difference("title", self.title, head.title))
        return tuple(found)


class IssueChanged(Exception):
    """A change decided on a view of the issue that is no longer true: nothing was saved (409 over HTTP).

    `differences` say what changed; `issue` is the issue as it stands now (None if it is gone), for the caller to show.
    """

    def __init__(self, issue_id: str, differences: tuple[Difference, ...], issue: Issue | None) -> None:
        self.issue_id = issue_id
        self.differences = differences
        self.issue = issue
        changed = "; ".join(d.said() for d in differences)
        self.message = (
            f"issue {issue_id} changed since the view this change was based on: {changed}. "
            "Nothing was saved: reload the issue and decide again on what it is now"
        )
        super().__init__(self.message)


class ChangeAlreadyMade(Exception):
    """A change whose view was stale and whose note would be lost: the issue already is as asked (409 over HTTP).

    Nothing was saved. `change` is the person's change that made the issue so (None if none is
    recorded); `status` and `merged_into` what the issue is now; `again` whether sending the change
    again on the issue as it is now records the note (a status change; a merge cannot be repeated);
    `issue` the issue as it stands now, for the caller to show.
    """

    def __init__(
        self,
        issue_id: str,
        change: PersonChange | None,
        status: IssueStatus,
        merged_into: str | None,
        again: bool,
        issue: Issue | None = None,
    ) -> None:
        self.issue_id = issue_id
        self.issue = issue
        self.change = change
        self.status = status
        self.merged_into = merged_into
        self.again = again
        self.by = change.by if change is not None and change.by else None
        made = f"merged into {merged_into!r}" if merged_into is not None and not again else f"{status.value!r}"
        who = f"{self.by} made that change" if self.by else "someone else made that change"
        then = (
            f"send the change again with expected_status {status.value!r} (the issue as it is now) to record the note"
            if again
            else "a merge cannot be made again, so the note cannot be added to it"
        )
        self.message = (
            f"issue {issue_id} already is {made}: {who} before this request, so it was not made again "
            f"and its note was not saved; {then}"
        )
        super().__init__(self.message)


class AlreadyMadeInCheck(Exception):
    """Raised by a view check inside the store's transaction (which it rolls back); IssueService turns it into ChangeAlreadyMade."""

    def __init__(self, head: IssueHead, again: bool) -> None:
        super().__init__()
        self.head = head
        self.again = again


class StaleInCheck(Exception):
    """Raised by a view check inside the store's transaction (which it rolls back); IssueService turns it into IssueChanged."""

    def __init__(self, differences: tuple[Difference, ...]) -> None:
        super().__init__()
        self.differences = differences


def folded(title: str) -> str:
    return " ".join(title.split())


def _merged_by(head: IssueHead) -> str | None:
    """Who merged the issue, when its last decision is that merge and names them (a clustering run's does not)."""
    change = head.last_change
    if head.merged_into is None or change is None or change.kind != "merged_into":
        return None
    return change.by


def _note_recorded(note: str | None, change: PersonChange | None) -> bool:
    """Whether `note` is nothing to keep: none sent, or the note of the change that made the issue so."""
    if not note or not folded(note):
        return True
    return change is not None and folded(change.note or "") == folded(note)


def view_check(
    seen: IssueView | None,
    already: Callable[[IssueHead], bool],
    note: str | None = None,
    again: bool = False,
    merging: bool = False,
) -> Check | None:
    """The store's check for a change made with the view `seen` (IssueView's rule): identical result first, then staleness.

    `again`: whether the change may be made again, on a current view, to record a note it carries.
    `merging`: whether the change is a merge. Any other change asked for the issue merged (or not)
    as seen, so one merged otherwise since is not as it asked, even with the status or title asked.
    """
    if seen is None:
        return None

    def check(head: IssueHead) -> bool:
        if already(head) and (merging or head.merged_into == seen.merged_into):
            if _note_recorded(note, head.last_change):
                return False
            if again and not seen.differences(head):
                return True
            raise AlreadyMadeInCheck(head, again)
        differences = seen.differences(head)
        if differences:
            raise StaleInCheck(differences)
        return True

    return check
