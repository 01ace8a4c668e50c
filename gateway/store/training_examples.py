"""The labelled-example queries: end users' current corrections and deciding review decisions, by keyset.

What counts as an example is explained in gateway.export.examples; these queries pick the rows (which of the
reviewers' decisions label an answer is gateway.store.label_decisions's; the filters, gateway.store.label_filters's).
Each source is read in chunks ordered by its label's id (UUIDv7), each the range of ids from the
previous chunk's end to the CHUNK_ROWS-th label after it (gateway.store.label_chunks), so an export of
millions of rows holds one chunk in memory and each chunk reads its own rows, never the remainder.
A chunk of decisions also names its tasks by their ids (`chunk_query`): right after a bulk load,
PostgreSQL, without statistics, guessed that 0.5 % of the resolved tasks hold one interaction,
began each chunk with them, and so went through every resolved task (the held-interaction count,
the decisions) for each chunk, 4-7 s a chunk at 110,000 examples.
Each chunk is read on a connection of its own (a long export holds no transaction open), so a read
takes the labels as they stood when it began (`LabelsUpTo`): feedback events and review decisions
are only ever added, and one given meanwhile, which would make a second label of an answer already
written, is left for the next export.
An export that follows the stored order (`stored_after`) reads the labels numbered in a range of each
table's numbers (`StoredRange`, gateway.store.stored_order), up to the horizons read before it began
(`stored_horizons`), so the labels it reads were all stored before `LabelsUpTo` is read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.sql.expression import FromClause

from gateway.export.examples import ExampleSource
from gateway.store.choice_sql import has_choice, not_blank
from gateway.store.current_feedback import is_later, superseded
from gateway.store.label_chunks import LabelQuery, chunk_query, window_of, window_query
from gateway.store.label_decisions import DECISION, labelling_decisions, left_out_decisions, reviewed
from gateway.store.label_filters import (
    CHAT_ENDPOINT,
    LabelsUpTo,
    labelled_in,
    redaction_took_all,
    says_something,
    stored_by,
)

# Which examples to read: named here too, where the stores and tests that read examples take it from.
from gateway.store.label_filters import ExampleFilter as ExampleFilter
from gateway.store.stored_order import horizon
from gateway.store.tables import feedback, interactions, review_decisions, review_tasks

Row = dict[str, Any]
# Rows per query: small enough to keep memory flat, large enough that round trips do not dominate.
CHUNK_ROWS = 500


@dataclass(frozen=True, slots=True)
class LeftOutLabels:
    """Labels an export selects that make no row, by why (the reasons exclude one another: each label counts once)."""

    # Reviewers' approvals of answers that said and called nothing (gateway.domain.blank_text).
    said_nothing: int = 0
    # Reviewers' approvals of answers cut short (stored `partial`, or stopped by the upstream: max_tokens, its content
    # filter): as a target one would teach stopping mid-sentence.
    cut_short: int = 0
    # Corrections, end users' or reviewers', that say nothing: stored blank before intake took the rule.
    blank_corrections: int = 0
    # Corrections, end users' or reviewers', that redaction took all of: replacements only ("[redacted:email]").
    redacted_corrections: int = 0
    # Corrections, end users' or reviewers', of a choice their answer does not have: there is no original to pair.
    unknown_choice_corrections: int = 0


def _interaction_columns() -> list[Any]:
    i = interactions.c
    return [i.id.label("interaction_id"), i.app, i.created_at, i.request, i.response, i.response_text, i.policies]


def _feedback_id(upto: LabelsUpTo | None) -> str | None:
    return None if upto is None else upto.feedback_id


def _labels_its_answer(event: FromClause) -> ColumnElement[bool]:
    """Whether `event`'s correction says something about a choice its answer has (read in `interactions`, which the
    caller joins on the event's interaction)."""
    return and_(says_something(event.c.correction), has_choice(interactions.c, event.c.choice))


def _is_current_correction(event: FromClause, upto: LabelsUpTo | None, *, said: bool = True) -> ColumnElement[bool]:
    """Whether `event` (an alias of the feedback table) is its voter's current feedback and carries a correction that
    says something about a choice its answer has (with `said`; any correction without).

    A correction of blank characters only (gateway.domain.blank_text), stored before feedback intake took the rule,
    of redaction's replacements only, or of a choice the answer has not (stored before intake checked it), is no
    label: it outranks no other correction, and the summary counts it apart (`_unsaid_end_user_corrections`).
    """
    newest = _feedback_id(upto)
    says = [_labels_its_answer(event)] if said else []
    return and_(
        event.c.correction.is_not(None), *says, ~superseded(event, stored_up_to=newest), *stored_by(event.c.id, newest)
    )


def _outcorrected(event: FromClause, upto: LabelsUpTo | None, *, said: bool = True) -> ColumnElement[bool]:
    """Whether another voter's current correction of `event`'s interaction (one that labels it, with `said`) came
    after it: one label per answer. The enclosing query joins `interactions` on the event's interaction."""
    newer = feedback.alias("newer_correction")
    return exists().where(
        newer.c.interaction_id == event.c.interaction_id,
        _is_current_correction(newer, upto, said=said),
        is_later(newer, event),
    )


def _end_user_corrections(where: ExampleFilter, upto: LabelsUpTo | None) -> LabelQuery:
    """The latest of the end users' current corrections of each chat interaction, read by the event's id."""
    f = feedback.alias("f")
    # The rule of gateway.store.current_feedback (each voter's latest event per interaction, events
    # without a voter as one), as its NOT EXISTS form, so it can be read by keyset on the event's id.
    query = (
        select(
            literal(ExampleSource.END_USER_CORRECTION.value).label("source"),
            f.c.id.label("label_id"),
            f.c.created_at.label("labelled_at"),
            literal("correct").label("outcome"),
            f.c.correction,
            f.c.choice,
            *_interaction_columns(),
        )
        .select_from(f.join(interactions, interactions.c.id == f.c.interaction_id))
        .where(_is_current_correction(f, upto), interactions.c.endpoint == CHAT_ENDPOINT)
        # Several users' corrections of one answer would teach the model each of them: the latest stands.
        .where(~_outcorrected(f, upto))
        # A reviewer who decided on the interaction outranks its end users: one label per answer.
        .where(~reviewed(f.c.interaction_id, upto))
    )
    candidates = select(f.c.id).where(f.c.correction.is_not(None), *stored_by(f.c.id, _feedback_id(upto)))
    return LabelQuery(
        rows=labelled_in(query, where, app=f.c.app, label=f, stored=where.feedback_stored),
        label_id=f.c.id,
        candidates=labelled_in(candidates, where, app=f.c.app, label=f, stored=where.feedback_stored),
    )


def _unsaid_end_user_corrections(where: ExampleFilter, upto: LabelsUpTo | None) -> Select[Any]:
    """How many end users' current corrections `where` selects label no answer, as (blank ones, ones redaction took
    all of, ones of a choice their answer has not), where one would have been its answer's label (no later correction
    of it, no reviewer's decision): labels the rows leave out, for the summary to tell."""
    f = feedback.alias("f")
    blank = ~not_blank(f.c.correction)
    redacted = and_(not_blank(f.c.correction), redaction_took_all(f.c.correction))
    unknown_choice = and_(says_something(f.c.correction), ~has_choice(interactions.c, f.c.choice))
    counts: list[Any] = [func.count(case((reason, 1))) for reason in (blank, redacted, unknown_choice)]
    query = (
        select(*counts)
        .select_from(f.join(interactions, interactions.c.id == f.c.interaction_id))
        .where(_is_current_correction(f, upto, said=False), ~_labels_its_answer(f))
        .where(interactions.c.endpoint == CHAT_ENDPOINT, ~_outcorrected(f, upto, said=False))
        .where(~reviewed(f.c.interaction_id, upto))
    )
    return labelled_in(query, where, app=f.c.app, label=f, stored=where.feedback_stored)


def _review_decisions(where: ExampleFilter, upto: LabelsUpTo | None) -> LabelQuery:
    """The decision that resolved each single-interaction task, if it approves or corrects, read by its id."""
    d = DECISION
    query = labelling_decisions(
        upto,
        literal(ExampleSource.HUMAN_REVIEW.value).label("source"),
        d.c.id.label("label_id"),
        d.c.created_at.label("labelled_at"),
        d.c.outcome,
        d.c.correction,
        # The answer's choice the reviewer judged (`n` > 1): the one an approval prefers, a correction replaces.
        d.c.choice,
        review_tasks.c.evidence,
        *_interaction_columns(),
    )
    candidates = select(d.c.id, d.c.task_id).where(
        or_(d.c.correction.is_not(None), d.c.outcome == "approve"),
        *stored_by(d.c.id, None if upto is None else upto.decision_id),
    )
    return LabelQuery(
        rows=labelled_in(query, where, app=review_tasks.c.app, label=d, stored=where.decisions_stored),
        label_id=d.c.id,
        # The app is the task's: only the times and numbers narrow the decisions alone.
        candidates=labelled_in(candidates, where, app=None, label=d, stored=where.decisions_stored),
        task_id=review_tasks.c.id,
    )


# A source's query for a filter (and the labels stored when the read began; None: as they stand).
SourceQuery = Callable[[ExampleFilter, LabelsUpTo | None], LabelQuery]
# Each source's query, in the order an export reads them.
SOURCES: dict[ExampleSource, SourceQuery] = {
    ExampleSource.END_USER_CORRECTION: _end_user_corrections,
    ExampleSource.HUMAN_REVIEW: _review_decisions,
}


def _sources(where: ExampleFilter) -> list[SourceQuery]:
    """The queries of the sources `where` reads: all of them, or the one it names."""
    return [query for source, query in SOURCES.items() if where.source in (None, source)]


async def count_examples(connection: AsyncConnection, where: ExampleFilter) -> int:
    """How many labelled example rows `where` selects, over the sources it reads."""
    total = 0
    for source in _sources(where):
        query = source(where, None).rows.subquery()
        total += (await connection.execute(select(func.count()).select_from(query))).scalar_one()
    return total


async def labels_up_to(connection: AsyncConnection) -> LabelsUpTo:
    """The newest feedback event and review decision stored now (by their UUIDv7 ids)."""
    newest = select(
        select(func.max(feedback.c.id)).scalar_subquery(), select(func.max(review_decisions.c.id)).scalar_subquery()
    )
    feedback_id, decision_id = (await connection.execute(newest)).one()
    return LabelsUpTo(feedback_id or "", decision_id or "")


class TrainingExampleStore:
    """Reads labelled example rows, chunk by chunk."""

    def __init__(self, engine: AsyncEngine, chunk_rows: int = CHUNK_ROWS) -> None:
        self._engine = engine
        self._chunk_rows = chunk_rows

    async def stored_horizons(self) -> tuple[int, int]:
        """The numbers of the newest feedback event and review decision stored so far (0 for none): every label
        numbered up to them is stored (gateway.store.stored_order). Read them before the labels they bound."""
        return await horizon(self._engine, feedback), await horizon(self._engine, review_decisions)

    async def count(self, where: ExampleFilter) -> int:
        """How many example rows a stream over `where` will yield (some may still make no example)."""
        async with self._engine.connect() as connection:
            return await count_examples(connection, where)

    async def labels_up_to(self) -> LabelsUpTo:
        """The newest feedback event and review decision stored now: what a read that begins now takes."""
        async with self._engine.connect() as connection:
            return await labels_up_to(connection)

    async def left_out(self, where: ExampleFilter, upto: LabelsUpTo | None = None) -> LeftOutLabels:
        """How many labels `where` selects (up to `upto`) make no row, by why: what the export's summary tells."""
        reviews = where.source in (None, ExampleSource.HUMAN_REVIEW)
        end_users = where.source in (None, ExampleSource.END_USER_CORRECTION)
        async with self._engine.connect() as connection:
            said_nothing, cut_short, *decisions = (
                (await connection.execute(left_out_decisions(where, upto))).one() if reviews else (0, 0, 0, 0, 0)
            )
            corrections = (
                (await connection.execute(_unsaid_end_user_corrections(where, upto))).one() if end_users else (0, 0, 0)
            )
        # The corrections' reasons, in the order both queries count them: blank, redacted, of an unknown choice.
        blank, redacted, unknown_choice = (
            int(by_reviewers) + int(by_users) for by_reviewers, by_users in zip(decisions, corrections, strict=True)
        )
        return LeftOutLabels(int(said_nothing), int(cut_short), blank, redacted, unknown_choice)

    async def stream(self, where: ExampleFilter, upto: LabelsUpTo | None = None) -> AsyncIterator[Row]:
        """Every example row: end users' corrections first, then review decisions, each oldest label first.

        The labels as they stood when it began (or at `upto`, read before it): one given while it runs is left for
        the next read.
        """
        if upto is None:
            upto = await self.labels_up_to()
        for source in _sources(where):
            after: str | None = None
            read = source(where, upto)
            while True:
                # A connection per chunk: a long export never holds one transaction (or snapshot) open.
                async with self._engine.connect() as connection:
                    candidates = (await connection.execute(window_query(read, after, self._chunk_rows))).all()
                    window = window_of(list(candidates), after, self._chunk_rows)
                    query = None if window is None else chunk_query(read, window)
                    rows = [] if query is None else [dict(row) for row in (await connection.execute(query)).mappings()]
                for row in rows:
                    yield row
                if window is None or window.last:
                    break
                after = window.end
