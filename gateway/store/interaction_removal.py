"""Removing interactions with everything that refers to them: the SQL shared by pruning and erasure.

No table declares a foreign key to `interactions`; these are the tables that refer to one by id,
all deleted in the same transaction as the interactions themselves so no reference is left
dangling: feedback, feedback_token_uses, issue_members, review_task_interactions, reduction_points,
feedback_map_points. Knowledge-base
usage lives in the interaction's own `policies` column and goes with the row. Embedding-cache rows
are keyed by a hash of the text, not by interaction: the caller computes the hashes (see
gateway.privacy.cache_keys) and they are deleted here too, with those the interactions' landmarks
name (`reduction_points.content_hash`, a document the kept fit embedded). Issues that lose members
get their size and negative count recomputed from what remains (`recount_issues`), and their
texts' copies in issue examples and fix previews go (`drop_dangling_copies`), in the same transaction
as the rows, so a removal that dies part-way leaves no batch half done; review tasks and the issues' own words are handled by gateway.store.review_copies and
gateway.privacy.issue_texts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, String, any_, bindparam, case, delete, exists, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement

from gateway.store.chunks import chunks
from gateway.store.current_feedback import current_feedback, voter_of
from gateway.store.tables import (
    embeddings,
    feedback,
    fix_previews,
    interactions,
    issue_members,
    issues,
    reduction_points,
    review_task_interactions,
)
from gateway.store.tables.discovery import feedback_map_points
from gateway.store.tables.traffic import feedback_token_uses

Row = dict[str, Any]
# Bound parameters per IN (...): far below both databases' limits.
IN_CHUNK = 5_000


@dataclass
class RemovalCounts:
    """How many rows of each kind were removed or changed."""

    interactions: int = 0
    feedback: int = 0
    issue_members: int = 0
    review_task_links: int = 0
    feedback_token_uses: int = 0
    feedback_map_points: int = 0
    # Review tasks left about nobody (erasure only: no interaction left and no issue), with their events.
    review_tasks: int = 0
    reduction_points: int = 0
    embeddings: int = 0
    # Issues whose size and negative count were recomputed after losing members or complaints.
    issues_recounted: int = 0
    # Examples on issues and items of fix previews that named a removed interaction.
    issue_examples: int = 0
    preview_items: int = 0
    # Issues whose title, summary, keywords or centroid (or their copies in rename events and review
    # tasks) lost what only removed texts held (gateway.privacy.issue_texts).
    issue_texts: int = 0
    # Review tasks that quoted a removed interaction they did not hold, scrubbed after the removal; in an
    # erasure also the tasks that quoted the erased user's feedback on interactions that stay.
    tasks_scrubbed: int = 0

    def add(self, other: RemovalCounts) -> None:
        """Add `other`'s counts to these."""
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))

    def as_dict(self) -> dict[str, int]:
        """The counts by name, for the audit log, the API and the CLI."""
        return {field.name: getattr(self, field.name) for field in fields(self)}


@dataclass(frozen=True, slots=True)
class FeedbackText:
    """One feedback event on an interaction, as far as its texts and whose vote it is go."""

    id: str
    created_at: datetime
    user_id: str | None
    # Who the event counts as (gateway.store.current_feedback.voter_of); None: the anonymous voice.
    voter: str | None
    negative: bool
    comment: str | None
    correction: str | None
    # The number of the answer's choice it judges (`n` > 1; 0 when the post named none).
    choice: int = 0


@dataclass(frozen=True, slots=True)
class InteractionTexts:
    """What an interaction's embedding-cache keys are made of: its request and answer, and every feedback event on it."""

    id: str
    app: str
    request: Any
    # The stored answer, for the text of a choice other than the recorded one (`response_text`) a complaint judges;
    # None for an interaction without feedback.
    response: Any
    response_text: str | None
    created_at: datetime
    # Every feedback event on the interaction, superseded ones too, in the order they were stored (by id).
    feedback: tuple[FeedbackText, ...] = ()


def current_complaints(events: Iterable[FeedbackText]) -> tuple[FeedbackText, ...]:
    """Each voter's current (latest given) event among `events` where it is negative, in the order stored.

    The rule of gateway.store.current_feedback in Python: latest by `created_at`, then by id.
    """
    current: dict[str | None, FeedbackText] = {}
    for event in events:
        held = current.get(event.voter)
        if held is None or (event.created_at, event.id) > (held.created_at, held.id):
            current[event.voter] = event
    return tuple(sorted((e for e in current.values() if e.negative), key=lambda e: e.id))


def one_of(connection: AsyncConnection, column: ColumnElement[Any], values: Sequence[str]) -> ColumnElement[bool]:
    """`column` is one of `values`: `= ANY(array)` on PostgreSQL (one prepared statement for any count,
    where IN (...) of 5,000 parameters costs a fresh parse and plan each time), IN (...) elsewhere."""
    if connection.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(String), unique=True))
    return column.in_(list(values))


async def texts_of(connection: AsyncConnection, ids: Sequence[str]) -> list[InteractionTexts]:
    """The texts of the interactions `ids` (those still stored) with every feedback event on them, in id order."""
    i = interactions.c
    f = feedback.c
    # The stored answer is read only for an interaction with feedback, whose judged choices it may hold: most
    # interactions a removal reads have none.
    response = case((exists().where(f.interaction_id == i.id), i.response)).label("response")
    found: list[InteractionTexts] = []
    for chunk in chunks(list(ids), IN_CHUNK):
        rows = (
            await connection.execute(
                select(i.id, i.app, i.request, response, i.response_text, i.created_at)
                .where(one_of(connection, i.id, chunk))
                .order_by(i.id)
            )
        ).all()
        events: dict[str, list[FeedbackText]] = {}
        query = (
            select(
                f.interaction_id,
                f.id,
                f.created_at,
                f.user_id,
                voter_of(feedback),
                f.negative,
                f.comment,
                f.correction,
                f.choice,
            )
            .where(one_of(connection, f.interaction_id, chunk))
            .order_by(f.interaction_id, f.id)
        )
        for interaction_id, *event in await connection.execute(query):
            events.setdefault(interaction_id, []).append(FeedbackText(*event))
        found.extend(
            InteractionTexts(
                row.id,
                row.app,
                row.request,
                row.response,
                row.response_text,
                row.created_at,
                tuple(events.get(row.id, ())),
            )
            for row in rows
        )
    return found


async def _delete_in(connection: AsyncConnection, column: Any, values: Sequence[str]) -> int:
    removed = 0
    for chunk in chunks(list(values), IN_CHUNK):
        result = await connection.execute(delete(column.table).where(one_of(connection, column, chunk)))
        removed += result.rowcount or 0
    return removed


async def _delete_map_points(connection: AsyncConnection, ids: Sequence[str]) -> int:
    """Delete the issue-map points of `ids`, app by app so the (app, interaction_id) key finds them."""
    by_app: dict[str, list[str]] = {}
    for chunk in chunks(list(ids), IN_CHUNK):
        query = select(interactions.c.app, interactions.c.id).where(one_of(connection, interactions.c.id, chunk))
        for app, interaction_id in await connection.execute(query):
            by_app.setdefault(app, []).append(interaction_id)
    removed = 0
    points = feedback_map_points.c
    for app, app_ids in by_app.items():
        for chunk in chunks(app_ids, IN_CHUNK):
            result = await connection.execute(
                delete(feedback_map_points).where(points.app == app, one_of(connection, points.interaction_id, chunk))
            )
            removed += result.rowcount or 0
    return removed


async def delete_cache_rows(connection: AsyncConnection, keys: Iterable[str]) -> int:
    """Delete the embedding-cache rows of these content hashes, under every model; how many."""
    return await _delete_in(connection, embeddings.c.content_hash, sorted(set(keys)))


async def landmark_keys(connection: AsyncConnection, interaction_ids: Sequence[str]) -> set[str]:
    """The cache keys of the documents embedded for these interactions' landmarks (reduction_points.content_hash).

    The document a kept fit embedded may come from complaints or a recipe no longer current, so
    its key cannot always be rebuilt from the texts: the landmark names it.
    """
    found: set[str] = set()
    rp = reduction_points.c
    for chunk in chunks(list(interaction_ids), IN_CHUNK):
        query = select(rp.content_hash).where(
            one_of(connection, rp.interaction_id, chunk), rp.content_hash.is_not(None)
        )
        found.update((await connection.execute(query)).scalars())
    return found


async def issues_of(connection: AsyncConnection, interaction_ids: Sequence[str]) -> set[str]:
    """The issues that hold any of `interaction_ids` as a member."""
    found: set[str] = set()
    for chunk in chunks(list(interaction_ids), IN_CHUNK):
        member = one_of(connection, issue_members.c.interaction_id, chunk)
        query = select(issue_members.c.issue_id).where(member).distinct()
        found.update((await connection.execute(query)).scalars())
    return found


async def remove_interactions(
    connection: AsyncConnection, ids: Sequence[str], cache_keys: Iterable[str] = ()
) -> tuple[RemovalCounts, set[str]]:
    """Delete the interactions `ids` and every row that refers to them, inside the caller's transaction.

    Also returns the issues that lost members: the caller recounts them (`recount_issues`) in the same
    transaction.
    """
    counts = RemovalCounts()
    if not ids:
        return counts, set()
    affected = await issues_of(connection, ids)
    counts.feedback_map_points = await _delete_map_points(connection, ids)
    # The interactions before their feedback: on PostgreSQL a feedback post under way holds its interaction's
    # key until it commits (gateway.store.feedback), so this waits for it and the next delete finds its event.
    counts.interactions = await _delete_in(connection, interactions.c.id, ids)
    counts.feedback = await _delete_in(connection, feedback.c.interaction_id, ids)
    counts.feedback_token_uses = await _delete_in(connection, feedback_token_uses.c.interaction_id, ids)
    counts.issue_members = await _delete_in(connection, issue_members.c.interaction_id, ids)
    counts.review_task_links = await _delete_in(connection, review_task_interactions.c.interaction_id, ids)
    landmarks = await landmark_keys(connection, ids)
    counts.reduction_points = await _delete_in(connection, reduction_points.c.interaction_id, ids)
    counts.embeddings = await delete_cache_rows(connection, {*cache_keys, *landmarks})
    return counts, affected


async def remove_from_issues(connection: AsyncConnection, ids: Sequence[str]) -> RemovalCounts:
    """Take the interactions `ids` (still stored, no longer complaints) out of every issue, inside the caller's
    transaction: their memberships, issue-map points and kept UMAP points go, as for a removed interaction.

    The caller recounts the issues they were members of (`recount_issues`).
    """
    counts = RemovalCounts()
    if not ids:
        return counts
    counts.feedback_map_points = await _delete_map_points(connection, ids)
    counts.issue_members = await _delete_in(connection, issue_members.c.interaction_id, ids)
    counts.reduction_points = await _delete_in(connection, reduction_points.c.interaction_id, ids)
    return counts


async def recount_issues(connection: AsyncConnection, issue_ids: Iterable[str]) -> int:
    """Set each issue's size and negative count from the members and current complaints it has left; how many.

    The same rule as a clustering run: size is the number of members, the negative count the
    number of users whose current feedback on a member is negative. History points of past runs
    keep the figures those runs found. Two grouped queries for all the issues, then one update each.
    """
    wanted = sorted(set(issue_ids))
    if not wanted:
        return 0
    f = feedback.c
    m = issue_members.c
    sizes: dict[str, int] = {}
    negatives: dict[str, int] = {}
    for chunk in chunks(wanted, IN_CHUNK):
        in_chunk = one_of(connection, m.issue_id, chunk)
        query = select(m.issue_id, func.count()).where(in_chunk).group_by(m.issue_id)
        sizes.update(dict((await connection.execute(query)).all()))
        members = select(m.interaction_id).where(in_chunk)

        def among_members(ranked: Select[Any], members: Select[Any] = members) -> Select[Any]:
            return ranked.where(f.interaction_id.in_(members))

        current = current_feedback(f.interaction_id, f.negative, narrow=among_members)
        query = (
            select(m.issue_id, func.count())
            .select_from(current.join(issue_members, m.interaction_id == current.c.interaction_id))
            .where(in_chunk, current.c.negative.is_(True))
            .group_by(m.issue_id)
        )
        negatives.update(dict((await connection.execute(query)).all()))
    now = datetime.now(UTC)
    for issue_id in wanted:
        await connection.execute(
            update(issues)
            .where(issues.c.id == issue_id)
            .values(size=sizes.get(issue_id, 0), negative_count=negatives.get(issue_id, 0), updated_at=now)
        )
    return len(wanted)


async def existing_ids(connection: AsyncConnection, ids: Iterable[str]) -> set[str]:
    """Which of `ids` are stored interactions."""
    found: set[str] = set()
    for chunk in chunks(sorted(set(ids)), IN_CHUNK):
        query = select(interactions.c.id).where(one_of(connection, interactions.c.id, chunk))
        found.update((await connection.execute(query)).scalars())
    return found


def _named_ids(entries: Any) -> list[str]:
    if not isinstance(entries, list):
        return []
    return [e["interaction_id"] for e in entries if isinstance(e, dict) and isinstance(e.get("interaction_id"), str)]


def _kept(entries: list[Any], gone: set[str]) -> list[Any]:
    return [e for e in entries if not (isinstance(e, dict) and e.get("interaction_id") in gone)]


async def drop_dangling_copies(connection: AsyncConnection, also: AbstractSet[str] = frozenset()) -> RemovalCounts:
    """Remove copies of removed interactions' texts, inside the caller's transaction (the removal's): issue
    examples and fix-preview items that name one, or one of `also` (an erasure's: stored interactions whose
    copies quote the erased user's feedback).

    Both tables are small (one row per issue, a few previews per issue), so they are read whole
    rather than searched per removed interaction.
    """
    counts = RemovalCounts()
    issue_rows = [tuple(row) for row in await connection.execute(select(issues.c.id, issues.c.examples))]
    preview_rows = [tuple(row) for row in await connection.execute(select(fix_previews.c.id, fix_previews.c["items"]))]
    named = {i for _, entries in [*issue_rows, *preview_rows] for i in _named_ids(entries)}
    gone = (named - await existing_ids(connection, named)) | (named & also)
    if not gone:
        return counts
    for table, column, rows, kind in (
        (issues, issues.c.examples, issue_rows, "issue_examples"),
        (fix_previews, fix_previews.c["items"], preview_rows, "preview_items"),
    ):
        for row_id, entries in rows:
            if not set(_named_ids(entries)) & gone:
                continue
            kept = _kept(entries, gone)
            setattr(counts, kind, getattr(counts, kind) + len(entries) - len(kept))
            await connection.execute(update(table).where(table.c.id == row_id).values({column: kept}))
    return counts
