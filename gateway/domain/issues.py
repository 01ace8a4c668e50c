"""Issues: recurring problems clustering found in negative feedback, their records, and triaging them."""

from __future__ import annotations

import builtins
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np

from clustering.issue_status import TRIAGE_ORDER, TRIAGE_STATUSES, IssueStatus
from clustering.merge import MERGE_SUGGESTION_SIMILARITY, correction_key, merge_candidates
from gateway.domain.blank_text import said_or_none, without_blank_ends
from gateway.domain.errors import InvalidQuery
from gateway.domain.fixed_values import one_of_refusal
from gateway.domain.issue_scope import IssueScope, issue_scope
from gateway.domain.issue_search import searched_title
from gateway.domain.issue_views import (
    MAX_TITLE,
    AlreadyMadeInCheck,
    ChangeAlreadyMade,
    IssueChanged,
    IssueView,
    StaleInCheck,
    folded,
    view_check,
)
from gateway.domain.merge_chain import end_of_merges
from gateway.domain.paging import Page, offset_page
from gateway.domain.quoting import quoted
from gateway.domain.records import from_columns
from gateway.store.issue_edits import Check, Edit, IssueEditStore, IssueHead
from gateway.store.issues import IssueFilter, IssueSort, IssueStore

Row = dict[str, Any]

# How many merge candidates an issue shows (API and issue page), the most similar first: each is a merge a person
# weighs against this issue, and past a handful the rest are less alike (a seeded store listed 191).
MERGE_SUGGESTIONS_SHOWN = 10


@dataclass(frozen=True, slots=True)
class IssuePoint:
    """An issue's size and negative count as of one clustering run (trend) or one day (daily)."""

    day: date
    size: int
    negative_count: int

    @classmethod
    def from_row(cls, row: Row) -> IssuePoint:
        """The point in an issue history row."""
        return from_columns(cls, row)


@dataclass(frozen=True, slots=True)
class Issue:
    """An issue as listings show it: what it is about, how big it is, where it stands, how it grows."""

    id: str
    app: str
    title: str
    summary: str | None
    keywords: tuple[str, ...]
    size: int
    negative_count: int
    status: IssueStatus
    # A resolved issue whose complaints came back.
    regressed: bool
    merged_into: str | None
    first_seen: datetime | None
    last_seen: datetime | None
    # Size gained since the previous clustering run.
    growth: int
    # The last few runs' points, oldest first.
    trend: tuple[IssuePoint, ...]

    @classmethod
    def from_row(cls, row: Row) -> Issue:
        """The issue in an issue store row (with its growth and trend)."""
        return from_columns(
            cls,
            row,
            keywords=tuple(row["keywords"] or ()),
            status=IssueStatus(row["status"]),
            regressed=bool(row["regressed"]),
            trend=tuple(IssuePoint.from_row(point) for point in row["trend"]),
        )


@dataclass(frozen=True, slots=True)
class IssueExample:
    """A typical complaint of the issue."""

    interaction_id: str
    text: str


@dataclass(frozen=True, slots=True)
class IssueChange:
    """Something that happened to an issue: decided by a clustering run (`run_id`) or a person's triage (no run)."""

    kind: str
    detail: dict[str, Any] | None
    run_id: str | None
    at: datetime | None

    @classmethod
    def from_row(cls, row: Row) -> IssueChange:
        """The change in an issue event row."""
        return from_columns(cls, row, at=row["created_at"])


@dataclass(frozen=True, slots=True)
class IssueMembers:
    """An issue's typical complaints and every member interaction: what a review task for it holds."""

    examples: tuple[IssueExample, ...]
    member_ids: tuple[str, ...]

    @classmethod
    def from_row(cls, row: Row) -> IssueMembers:
        """The examples and member ids in an issue store row."""
        examples = tuple(IssueExample(e["interaction_id"], e["text"]) for e in row.get("examples") or ())
        return cls(examples=examples, member_ids=tuple(row["member_ids"]))


@dataclass(frozen=True, slots=True)
class IssueDetail:
    """One issue with its typical complaints, every member interaction, a daily series and its history."""

    issue: Issue
    examples: tuple[IssueExample, ...]
    member_ids: tuple[str, ...]
    daily: tuple[IssuePoint, ...]
    changes: tuple[IssueChange, ...]

    @classmethod
    def from_row(cls, row: Row) -> IssueDetail:
        """The issue in an issue store row read with its members, daily points and events."""
        members = IssueMembers.from_row(row)
        return cls(
            issue=Issue.from_row(row),
            examples=members.examples,
            member_ids=members.member_ids,
            daily=tuple(IssuePoint.from_row(point) for point in row["daily"]),
            changes=tuple(IssueChange.from_row(event) for event in row["events"]),
        )


@dataclass(frozen=True, slots=True)
class MergeSuggestion:
    """Another live issue of the same app that is plainly about the same thing: a merge a person may make."""

    id: str
    title: str
    size: int
    # Cosine between the two issues' centroids (the mean embedding of their complaints).
    similarity: float
    shared_keywords: tuple[str, ...]
    # Corrections end users gave on both issues' complaints (lower case, as compared).
    shared_corrections: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MergeSuggestions:
    """The `MERGE_SUGGESTIONS_SHOWN` strongest merge candidates of an issue, and how many more passed the same bar."""

    shown: tuple[MergeSuggestion, ...]
    more: int
    # The centroid cosine at or above which an issue is offered for being close alone (what the pages tell reviewers).
    close_bar: float


logger = logging.getLogger("feedgate.issues")
# Told the app after a person merges two of its issues (review tasks follow: gateway.review.merged_issues).
MergeListener = Callable[[str], Awaitable[object]]


class IssueService:
    """Lists issues and records people's decisions about them (status, title, merges), each audited."""

    def __init__(self, store: IssueStore, edits: IssueEditStore | None = None) -> None:
        """Reads through `store`; people's edits go through `edits` (without one, an IssueEditStore on the store's database)."""
        self._store = store
        self._edits = edits if edits is not None else IssueEditStore(store.engine)
        self._merge_listeners: builtins.list[MergeListener] = []

    def add_merge_listener(self, listener: MergeListener) -> None:
        """Call `listener(app)` after every merge a person makes; its failure is logged, never undoes the merge."""
        self._merge_listeners.append(listener)

    async def list(self, where: IssueFilter, sort: IssueSort, limit: int, offset: int = 0) -> Page[Issue]:
        """Issues matching `where`, biggest or fastest-growing first, `limit` at a time from `offset`; a title search
        trimmed by the one rule and as long as any search may be (gateway.domain.search_length)."""
        where = searched_title(where)
        return await offset_page(
            lambda n, skip: self._store.list(where, sort=sort, limit=n, offset=skip), limit, offset, Issue.from_row
        )

    async def count(self, where: IssueFilter) -> int:
        """How many issues match `where`, its title search read as `list` reads it."""
        return await self._store.count(searched_title(where))

    async def get(self, issue_id: str) -> IssueDetail | None:
        """One issue with its examples, members and history; None if there is no such issue."""
        row = await self._store.get(issue_id)
        return IssueDetail.from_row(row) if row is not None else None

    async def members(self, issue_id: str) -> IssueMembers | None:
        """One issue's examples and member ids (cheaper than `get`); None if there is no such issue."""
        row = await self._store.members(issue_id)
        return IssueMembers.from_row(row) if row is not None else None

    async def titles(self, issue_ids: Sequence[str]) -> dict[str, str]:
        """The titles of the issues named, by id, for a page to name them; an unknown id is left out."""
        return await self._store.titles(issue_ids) if issue_ids else {}

    async def view(self, issue_id: str) -> IssueView | None:
        """The issue's status, title and merge as a page shows them, for its forms to send back; None if there is no such issue."""
        head = await self._edits.head(issue_id)
        return IssueView(head.status, head.title, head.merged_into) if head is not None else None

    async def triage(
        self,
        issue_id: str,
        status: IssueStatus,
        note: str | None = None,
        actor: str | None = None,
        seen: IssueView | None = None,
    ) -> IssueDetail | None:
        """Open, resolve or dismiss an issue, noting why (audited as "issue.status" when `actor` is named); None if there is no such issue.

        The one place a person changes an issue's status, so every change is recorded the same way.
        With `seen`, the stale-view rule (IssueView) applies: IssueChanged when the issue moved on
        (its status, title or merge). Without it a merged issue's status is set too, as a clustering
        run's merge keeps one: the status it comes back with if a run finds its complaints apart again.
        """
        # A person's words: a note of blank characters only (zero-width ones too) is none (gateway.domain.blank_text).
        note = said_or_none(note)
        if status not in TRIAGE_STATUSES:
            refused = one_of_refusal("'status'", [value.value for value in TRIAGE_ORDER], status.value)
            raise InvalidQuery("status", f"{refused} (only a clustering run makes an issue {status})")
        return await self._edit(
            issue_id,
            view_check(seen, lambda head: head.status == status, note, again=True),
            lambda check: self._edits.set_status(issue_id, status, note, actor, check),
        )

    async def rename(self, issue_id: str, title: str, actor: str, seen: IssueView | None = None) -> IssueDetail | None:
        """Give an issue a title a person chose (event "renamed", audit "issue.rename"); None if there is no such issue.

        With `seen`, the stale-view rule (IssueView) applies: IssueChanged when the issue moved on.
        """
        # Blank ends, zero-width ones included, are no part of a title (gateway.domain.blank_text): "\u200b" is none.
        title = folded(without_blank_ends(title))
        if not 1 <= len(title) <= MAX_TITLE:
            raise InvalidQuery("title", f"'title' must be 1 to {MAX_TITLE} characters")
        return await self._edit(
            issue_id,
            view_check(seen, lambda head: head.title == title),
            lambda check: self._edits.rename(issue_id, title, actor, check),
        )

    async def merge(
        self, issue_id: str, into_id: str, actor: str, note: str | None = None, seen: IssueView | None = None
    ) -> IssueDetail | None:
        """Merge an issue into another of the same app; None if there is no such issue.

        The merged issue's complaints join the other's; it keeps its id with `merged_into` set, status
        dismissed and size 0 (so it leaves the default listing), and both issues' events say so.
        Later full passes keep the complaints it then holds together (`clustering.kept_together`).
        With `seen`, the stale-view rule (IssueView) applies: IssueChanged when the issue moved on,
        and merging it again into the issue it is merged into already is no error.
        """
        note = said_or_none(note)
        source = await self._edits.head(issue_id)
        if source is None:
            return None
        if into_id == issue_id:
            raise InvalidQuery("merged_into", "an issue cannot be merged into itself")
        if source.merged_into is not None and seen is None:
            raise InvalidQuery("merged_into", f"this issue is already merged into {quoted(source.merged_into)}")
        target = await self._edits.head(into_id)
        if target is None:
            raise InvalidQuery("merged_into", f"no issue with id {quoted(into_id)}")
        if target.app != source.app:
            raise InvalidQuery(
                "merged_into", f"issue {quoted(into_id)} belongs to app {quoted(target.app)}, not {quoted(source.app)}"
            )
        if target.merged_into is not None:
            raise InvalidQuery(
                "merged_into",
                f"issue {quoted(into_id)} was itself merged into {quoted(target.merged_into)}: merge into that one",
            )
        merged = await self._edit(
            issue_id,
            view_check(seen, lambda head: head.merged_into == into_id, note, merging=True),
            lambda check: self._edits.merge(issue_id, into_id, actor, note, check),
        )
        for listener in self._merge_listeners:
            try:
                await listener(source.app)
            except Exception:  # the merge is stored; what follows it catches up at the next pass
                logger.exception("after merging issue %s into %s, a listener failed", issue_id, into_id)
        return merged

    async def _edit(
        self, issue_id: str, check: Check | None, write: Callable[[Check | None], Awaitable[Edit]]
    ) -> IssueDetail | None:
        """Make a person's edit with the stale-view `check` (view_check); the issue after it, None if there is no such issue."""
        try:
            outcome = await write(check)
        except AlreadyMadeInCheck as made:
            locked, now = made.head, await self.get(issue_id)
            issue = now.issue if now is not None else None
            raise ChangeAlreadyMade(
                issue_id, locked.last_change, locked.status, locked.merged_into, made.again, issue
            ) from None
        except StaleInCheck as stale:
            now = await self.get(issue_id)
            raise IssueChanged(issue_id, stale.differences, now.issue if now is not None else None) from None
        if outcome is Edit.MISSING:
            return None
        if outcome is Edit.MERGED_MEANWHILE:
            head = await self._edits.head(issue_id)
            merged_into = head.merged_into if head is not None else None
            raise InvalidQuery("merged_into", f"this issue is already merged into {quoted(merged_into)}")
        return await self.get(issue_id)

    async def head(self, issue_id: str) -> IssueHead | None:
        """The issue's app, title, status, merge target and size; None if there is no such issue."""
        return await self._edits.head(issue_id)

    async def scope(self, issue_id: str, name: str = "issue") -> IssueScope:
        """The issues a filter on `issue_id` lists, merges followed (gateway.domain.issue_scope); InvalidQuery naming
        `name` when no issue has that id."""
        return await issue_scope(self._edits, issue_id, name)

    async def merged_away_into(self, issue_id: str) -> str | None:
        """The issue holding `issue_id`'s complaints when it was merged away (the end of its chain of merges); else None."""

        async def merged_into(issue: str) -> str | None:
            head = await self._edits.head(issue)
            return head.merged_into if head is not None else None

        into = await end_of_merges(issue_id, merged_into)
        return into if into != issue_id else None

    async def merge_targets(self, issue_id: str, app: str, limit: int) -> builtins.list[IssueHead]:
        """The issues `issue_id` may be merged into: the biggest of its app that are not merged away, itself left out."""
        targets = await self._edits.merge_targets(app, limit + 1)
        return [target for target in targets if target.id != issue_id][:limit]

    async def merge_suggestions(self, issue_id: str) -> MergeSuggestions | None:
        """Live issues of the same app plainly about the same thing (see `clustering.merge.merge_candidates`): close
        centroids, or a correction in common and neighbouring ones; the most similar centroids first, the first
        `MERGE_SUGGESTIONS_SHOWN` of them with the count of the rest. None if there is no such issue."""
        head = await self._edits.head(issue_id)
        if head is None:
            return None
        bar = MERGE_SUGGESTION_SIMILARITY
        none = MergeSuggestions((), 0, bar)
        if head.merged_into is not None or head.size == 0:
            return none
        live = [issue for issue in await self._store.tracked(head.app) if issue.size > 0]
        position = next((row for row, issue in enumerate(live) if issue.id == issue_id), None)
        if position is None:
            return none
        centroids = np.stack([issue.centroid for issue in live])
        own = _correction_keys((await self._store.member_corrections([issue_id])).get(issue_id, ()))
        texts: dict[str, builtins.list[str]] = {}
        if own:
            # Only corrections this issue's complaints carry can be shared: the others' are read for those alone.
            others = [issue.id for issue in live if issue.id != issue_id]
            texts = await self._store.member_corrections(others, keep=lambda text: correction_key(text) in own)
        corrections = [own if issue.id == issue_id else _correction_keys(texts.get(issue.id, ())) for issue in live]
        keywords = [issue.keywords for issue in live]
        found = merge_candidates(centroids, keywords, position, bar, corrections)
        shown = tuple(
            MergeSuggestion(
                live[c.index].id,
                live[c.index].title,
                live[c.index].size,
                round(c.similarity, 4),
                c.shared_keywords,
                c.shared_corrections,
            )
            for c in found[:MERGE_SUGGESTIONS_SHOWN]
        )
        return MergeSuggestions(shown, max(len(found) - MERGE_SUGGESTIONS_SHOWN, 0), bar)


def _correction_keys(texts: Iterable[str]) -> frozenset[str]:
    """The corrections `texts` as `clustering.merge.correction_key` compares them, too-short ones left out."""
    return frozenset(key for text in texts if (key := correction_key(text)) is not None)
