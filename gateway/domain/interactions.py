"""Recorded interactions: the records, and the service that lists and finds them with their feedback."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from gateway.domain.errors import InvalidQuery
from gateway.domain.feedback import FeedbackEvent
from gateway.domain.following import FollowPage, StoredOrder, follow_page, refuse_filters
from gateway.domain.interaction_briefs import InteractionBrief, call_outcome, tally_feedback
from gateway.domain.issue_scope import issue_scope
from gateway.domain.paging import Page, keyset_page, parse_position_cursor
from gateway.domain.pending import BufferedWriter, WriterCatchUp
from gateway.domain.records import from_columns

# MAX_SEARCH_CHARS re-exported: the bound is every search's (gateway.domain.search_length).
from gateway.domain.search_length import MAX_SEARCH_CHARS as MAX_SEARCH_CHARS
from gateway.domain.search_length import check_search_length
from gateway.domain.time_range import utc_range
from gateway.feedback.history import current_per_user
from gateway.store.feedback import FeedbackStore
from gateway.store.interaction_search import search_words
from gateway.store.interactions import InteractionFilter, InteractionStore
from gateway.store.issue_edits import IssueEditStore

Row = dict[str, Any]
# The most words one search may hold (each is one more index lookup).
MAX_SEARCH_WORDS = 12
# The tokens of /api/interactions?stored_after= (gateway.domain.following).
FOLLOWED = StoredOrder("/api/interactions")


def search_text(text: str | None) -> str | None:
    """A search as typed, trimmed; None for none. The rule the API and the admin page share.

    Matching is by whole words (see gateway.store.interaction_search): every word of the search must
    be in the end user's messages or the answer, ignoring case and English endings.
    """
    trimmed = (text or "").strip()
    if not trimmed:
        return None
    check_search_length(trimmed)
    words = search_words(trimmed)
    if not words:
        raise InvalidQuery("q", "a search needs at least one word of letters or digits")
    if len(words) > MAX_SEARCH_WORDS:
        raise InvalidQuery("q", f"a search may hold at most {MAX_SEARCH_WORDS} words")
    return trimmed


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens the upstream reported for one call."""

    prompt_tokens: int | None
    completion_tokens: int | None
    total_tokens: int | None


@dataclass(frozen=True, slots=True)
class Interaction:
    """One proxied call: what was asked, what came back, and how it went."""

    id: str
    created_at: datetime
    app: str
    endpoint: str
    upstream: str
    model: str | None
    stream: bool
    end_user: str | None
    metadata: dict[str, Any] | None
    upstream_response_id: str | None
    status_code: int | None
    error: str | None
    # The answer was cut short: the client left or the upstream broke off mid-stream.
    partial: bool
    request: Any
    response: Any
    response_text: str | None
    tool_calls: Any
    finish_reason: str | None
    usage: Usage | None
    latency_ms: float | None
    ttfb_ms: float | None
    # What request policies (fixes, the review gate) did to the call, in order; None when none claimed it.
    policies: list[dict[str, Any]] | None
    # Which redaction rules replaced something before the call was stored, and how often ({"email": 2});
    # None when none did or redaction was off (gateway.privacy).
    redactions: dict[str, int] | None = None

    @classmethod
    def from_row(cls, row: Row) -> Interaction:
        """The interaction in an interaction store row."""
        usage = None
        if row.get("total_tokens") is not None or row.get("prompt_tokens") is not None:
            usage = Usage(row.get("prompt_tokens"), row.get("completion_tokens"), row.get("total_tokens"))
        return from_columns(cls, row, usage=usage)

    @property
    def held_for_review(self) -> bool:
        """Whether the review gate held the answer: the app got 202 and a reviewer's decision, not the status stored."""
        return any(note.get("action") == "hold" for note in self.policies or [] if isinstance(note, dict))

    @property
    def outcome(self) -> str:
        """ok, error or partial (see call_outcome)."""
        return call_outcome(self.partial, self.error, self.status_code)

    @property
    def answered_at(self) -> datetime:
        """When the answer ended: the call's start plus its latency."""
        return self.created_at + timedelta(milliseconds=self.latency_ms or 0.0)


@dataclass(frozen=True, slots=True)
class InteractionWithFeedback:
    """An interaction, every feedback event on it (oldest first) and each user's current one."""

    interaction: Interaction
    events: tuple[FeedbackEvent, ...]
    current: tuple[FeedbackEvent, ...]


class InteractionService:
    """Reads recorded interactions, waiting for the batched writer when one may not be stored yet."""

    def __init__(
        self,
        *,
        store: InteractionStore,
        feedback_store: FeedbackStore,
        writer: BufferedWriter,
        flush_interval: float,
        issue_heads: IssueEditStore | None = None,
    ) -> None:
        """Reads through `store`; an issue filter looks its issue up in `issue_heads` (default: on the store's database)."""
        self._store = store
        self._feedback_store = feedback_store
        self._catch_up = WriterCatchUp(writer, flush_interval)
        self._issue_heads = issue_heads if issue_heads is not None else IssueEditStore(store.engine)

    async def list(self, where: InteractionFilter, limit: int, cursor: str | None = None) -> Page[Interaction]:
        """The newest interactions matching `where`, `limit` at a time; `cursor` (not where.after) pages.

        `cursor` is a previous page's next_cursor (InvalidQuery for anything else).

        `where.text` is words to find in the end user's messages or the answer (checked by search_text).
        `where.issue` lists that issue's members; an issue merged away lists the issue now holding its
        complaints (the end of its chain of merges), and an id no issue has is refused (see issue_listed).
        """
        where = await self._checked(where, cursor)
        return await keyset_page(lambda n: self._store.list(where, n), limit, Interaction.from_row)

    async def follow(
        self, where: InteractionFilter, limit: int, stored_after: str, cursor: str | None = None
    ) -> FollowPage[Interaction]:
        """The interactions stored after the `stored_after` token, oldest stored first, `limit` at a time.

        The token is "start" (every row), "now" (rows stored from now on) or a previous answer's
        next_stored_after; InvalidQuery for anything else. Only where.app and where.model apply: another
        filter or a cursor, which page by time, is refused rather than ignored.
        """
        given = {"cursor": cursor, "since": where.since, "until": where.until, "q": where.text, "issue": where.issue}
        refuse_filters("app, model and limit", given | {"feedback": where.feedback, "outcome": where.outcome})
        return await follow_page(
            FOLLOWED,
            stored_after,
            self._store.stored_horizon,
            lambda after: self._store.list_stored_after(after, limit, where),
            Interaction.from_row,
        )

    async def list_briefly(
        self, where: InteractionFilter, limit: int, cursor: str | None = None
    ) -> Page[InteractionBrief]:
        """As `list`, each interaction as a listing shows it (with its feedback tallied), without reading any large call
        whole."""
        where = await self._checked(where, cursor)
        page = await keyset_page(lambda n: self._store.list_briefly(where, n), limit, InteractionBrief.from_row)
        tallies = tally_feedback(await self._feedback_store.current_on([brief.id for brief in page.data]))
        return replace(page, data=tuple(replace(brief, feedback=tallies.get(brief.id)) for brief in page.data))

    async def find(self, interaction_id: str, app: str | None = None) -> Interaction | None:
        """One interaction by the gateway's id or the upstream's response id (of `app`, if given), stored or still buffered."""
        # Asked before the lookup: a batch stored during it empties the backlog, yet the miss still needs a second look.
        writer_may_hold = self._catch_up.may_hold(interaction_id)
        row = await self._store.get(interaction_id, app)
        if row is None and writer_may_hold:
            await self._catch_up.catch_up()
            row = await self._store.get(interaction_id, app)
        return Interaction.from_row(row) if row is not None else None

    async def issue_listed(self, issue_id: str) -> str:
        """The issue whose members a filter on `issue_id` lists: the holder of its complaints (gateway.domain.issue_scope).

        Only the holder's members are read: a merge moves the merged issue's members into it, so it holds them all.
        InvalidQuery naming `issue` when no issue has that id.
        """
        return (await issue_scope(self._issue_heads, issue_id)).holder

    async def _checked(self, where: InteractionFilter, cursor: str | None) -> InteractionFilter:
        """`where` with its times in UTC, its search checked, its issue the one listed (see issue_listed) and the
        cursor's position (InvalidQuery for a bad one)."""
        since, until = utc_range(where.since, where.until)
        checked = replace(
            where, since=since, until=until, after=parse_position_cursor(cursor), text=search_text(where.text)
        )
        return checked if where.issue is None else replace(checked, issue=await self.issue_listed(where.issue))

    async def get_with_feedback(self, interaction_id: str) -> InteractionWithFeedback | None:
        """One interaction (by either id) with its feedback history; None if there is no such interaction."""
        interaction = await self.find(interaction_id)
        if interaction is None:
            return None
        rows = await self._feedback_store.for_interaction(interaction.id)
        events = tuple(FeedbackEvent.from_row(row) for row in rows)
        return InteractionWithFeedback(interaction, events, current_per_user(events))
