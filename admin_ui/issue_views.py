"""What the issues pages show, read from the URL and the domain: the list's query, an example side by side, a fix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import cast
from urllib.parse import quote, urlencode

from admin_ui.list_back import ListBack
from admin_ui.query_params import QueryParams, bad_filter, choice_param, given_text, is_whole_number, text_param
from clustering.issue_status import IssueStatus
from gateway.discovery.items import last_user_message
from gateway.domain.answer_choices import choice_count, choice_text
from gateway.domain.feedback import FeedbackEvent
from gateway.domain.interactions import InteractionWithFeedback
from gateway.domain.issues import IssueChange, IssueExample
from gateway.effect.records import NamedFix
from gateway.store.issues import IssueFilter, IssueSort

ISSUES_PATH = "/admin/issues"
PAGE_SIZE = 50
SORTS: tuple[IssueSort, ...] = ("size", "growth")
STATUSES = tuple(status.value for status in IssueStatus)
# The longest page number the list accepts (past it, the page is empty anyway).
MAX_PAGE = 10_000
# The fields of an issue's events that name other issues (a split's "into", a merge's "merged", a
# merged_into's "issue_id"): the history shows those issues' titles, linked, rather than their ids.
ISSUE_ID_FIELDS = frozenset({"into", "merged", "issue_id"})
# The words the history shows for an event's fields (any other field: its name, spaced).
EVENT_FIELD_LABELS = {
    "members_added": "complaints moved in",
    "new_members": "new complaints",
    "previous_size": "size before",
    "from_status": "status before",
    "merged": "merged in",
    "merged_into": "merged into",
    "issue_id": "issue",
}


@dataclass(frozen=True, slots=True)
class ListQuery:
    """The issues list's filters, sort and page, as they live in the URL."""

    app: str | None = None
    status: IssueStatus | None = None
    # The title search, as typed (the domain trims it and checks its length: gateway.domain.issue_search).
    q: str | None = None
    sort: IssueSort = "size"
    page: int = 1

    @classmethod
    def from_request(cls, request: QueryParams) -> ListQuery:
        """The query in the URL's parameters; a value the list does not know is a 400 naming the filter."""
        status = choice_param(request, "status", STATUSES)
        page = text_param(request, "page") or "1"
        if not is_whole_number(page) or not 1 <= int(page) <= MAX_PAGE:
            raise bad_filter("page", f"must be a page number from 1 to {MAX_PAGE}")
        return cls(
            app=text_param(request, "app"),
            status=IssueStatus(status) if status else None,
            q=given_text(request, "q") or None,
            sort=cast("IssueSort", choice_param(request, "sort", SORTS) or "size"),
            page=int(page),
        )

    @property
    def where(self) -> IssueFilter:
        """The domain filter for this query."""
        return IssueFilter(app=self.app, status=self.status, title=self.q)

    @property
    def offset(self) -> int:
        """How many issues come before this page."""
        return (self.page - 1) * PAGE_SIZE

    def url(self, **changes: object) -> str:
        """The list's URL for this query with `changes` (app, status, q, sort, page); defaults are left out."""
        query = replace(self, **changes)  # type: ignore[arg-type]  # changes name IssueQuery's fields
        params = {
            "app": query.app or "",
            "status": query.status.value if query.status else "",
            "q": query.q or "",
            "sort": query.sort if query.sort != "size" else "",
            "page": str(query.page) if query.page != 1 else "",
        }
        kept = {key: value for key, value in params.items() if value}
        return f"{ISSUES_PATH}?{urlencode(kept)}" if kept else ISSUES_PATH


# The list's way back from an issue (admin_ui.list_back): the names ListQuery reads from the URL, read as it reads them.
ISSUE_LIST = ListBack(ISSUES_PATH, ("q", "app", "status", "sort", "page"), ListQuery.from_request)


@dataclass(frozen=True, slots=True)
class ExampleView:
    """One typical complaint side by side: the user's message, the answer, the comment and the correction."""

    interaction_id: str
    found: bool
    # The text clustering grouped by (kept with the issue, shown when the interaction is gone).
    cluster_text: str
    question: str
    answer: str | None
    comment: str | None
    correction: str | None
    thumbs: str | None
    rating: int | None
    # The answer's choice shown (the one the correction, else the feedback shown, judges) and how many it has.
    choice: int = 0
    choices: int = 1


def _first(events: tuple[FeedbackEvent, ...], field: str) -> str | None:
    values = [getattr(event, field) for event in events if getattr(event, field)]
    return values[0] if values else None


def example_view(example: IssueExample, found: InteractionWithFeedback | None) -> ExampleView:
    """The example with its interaction and current feedback (negative feedback first), or marked missing."""
    if found is None:
        return ExampleView(example.interaction_id, False, example.text, "", None, None, None, None, None)
    current = tuple(sorted(found.current, key=lambda event: (not event.negative, event.created_at)))
    head = current[0] if current else None
    judging = next((event for event in current if event.correction), head)
    choice = judging.choice if judging else 0
    interaction = found.interaction
    return ExampleView(
        interaction_id=example.interaction_id,
        found=True,
        cluster_text=example.text,
        question=last_user_message(interaction.request),
        answer=choice_text(interaction.response, interaction.response_text, choice),
        comment=_first(current, "comment"),
        correction=_first(current, "correction"),
        thumbs=head.thumbs if head else None,
        rating=head.rating if head else None,
        choice=choice,
        choices=choice_count(interaction.response),
    )


def issues_named(changes: Sequence[IssueChange]) -> list[str]:
    """The ids of the other issues the events name (ISSUE_ID_FIELDS), for the page to show their titles."""
    found: list[str] = []
    for change in changes:
        for field, value in (change.detail or {}).items():
            if field in ISSUE_ID_FIELDS:
                found.extend(str(other) for other in (value if isinstance(value, list) else [value]))
    return found


@dataclass(frozen=True, slots=True)
class FixView:
    """A fix linked to the issue as the page shows it: its name (the entry's title, the version's label) and page."""

    fix: NamedFix
    # The fix's admin page: the knowledge entry's own, or the app's prompt versions (a version has no page of its own).
    page_url: str


def fix_view(fix: NamedFix, app: str) -> FixView:
    """The fix with the admin page a person opens to read it."""
    if fix.link.kind == "knowledge":
        return FixView(fix, f"/admin/knowledge/{quote(fix.link.fix_id, safe='')}")
    return FixView(fix, f"/admin/prompts?{urlencode({'app': app})}")
