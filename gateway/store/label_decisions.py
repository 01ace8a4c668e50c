"""The reviewers' decisions that label an answer: the decision that resolved a task about one chat interaction, where
it approves a whole answer that said or called something, or corrects one.

What counts as an example is explained in gateway.export.examples, which decision stands and what it holds of its
answer in gateway.review.verdicts; gateway.store.training_examples reads these
decisions' rows by keyset, and checks with `reviewed` that no end user's correction of a reviewed answer is read.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, false, func, or_, select
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.sql.expression import FromClause

from gateway.store.choice_sql import (
    choice_finish_reason,
    choice_position,
    choice_said_or_called,
    has_choice,
    in_recorded_columns,
    not_blank,
)
from gateway.store.label_filters import (
    CHAT_ENDPOINT,
    ExampleFilter,
    LabelsUpTo,
    labelled_in,
    redaction_took_all,
    says_something,
    stored_by,
)
from gateway.store.standing_decisions import judged_as_one_answer, stands
from gateway.store.tables import interactions, review_decisions, review_task_interactions, review_tasks

# Finish reasons of an answer the upstream stopped before the model had finished it. Chat completions'
# only: the Responses API's `incomplete` (max_output_tokens, its content filter) would belong here, but a
# Responses call makes no example at all (CHAT_ENDPOINT), so no rule reads it.
CUT_SHORT_FINISH_REASONS = ("length", "content_filter")
# The decisions as the review-decision queries name them.
DECISION = review_decisions.alias("d")


def approvals_said(d: FromClause) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """Whether decision `d`'s judged choice said or called something, and whether it is whole as well."""
    i = interactions.c
    # An approval labels a whole answer that said something or called a tool or function (one cut short would
    # teach stopping mid-sentence: a broken-off stream, or one the upstream stopped at max_tokens or
    # its content filter); a correction always labels one. Whether it said or called something is read in its
    # message, never its finish reason: vLLM, Ollama and older Azure deployments finish a tool call with "stop".
    # The interaction's columns are the first listed choice's (`tool_calls` holds its tool calls, else its
    # function call); the judged choice (`n` > 1, named by gateway.domain.choice_numbers' rule) is read from them
    # when it is listed first, else in the stored answer. gateway.export.examples reads the same choices' text and
    # calls, and counts what it finds nothing in (a broken call) as making no example.
    said_or_called = or_(not_blank(i.response_text), i.tool_calls.is_not(None))
    ended = or_(i.finish_reason.is_(None), i.finish_reason.not_in(CUT_SHORT_FINISH_REASONS))
    listed_at = choice_position(i, d.c.choice)
    in_columns = in_recorded_columns(i, d.c.choice)
    later_reason = choice_finish_reason(i, d.c.choice)
    later_ended = or_(later_reason.is_(None), later_reason.not_in(CUT_SHORT_FINISH_REASONS))
    later_said = and_(listed_at != 0, choice_said_or_called(i, d.c.choice))
    # NULL (a choice the answer does not list) is false: it said nothing.
    said = func.coalesce(or_(and_(in_columns, said_or_called), later_said), false())
    whole = or_(and_(in_columns, said_or_called, ended), and_(later_said, later_ended))
    return said, and_(i.partial.is_(False), whole)


def deciding_decisions(upto: LabelsUpTo | None, label: ColumnElement[bool], *columns: Any) -> Select[Any]:
    """`columns` of the decision that resolved each single-interaction chat task, where `label` holds of it."""
    d, t, i = DECISION, review_tasks.c, interactions.c
    newest = None if upto is None else upto.decision_id
    return (
        select(*columns)
        .select_from(
            d.join(review_tasks, t.id == d.c.task_id)
            .join(review_task_interactions, review_task_interactions.c.task_id == t.id)
            .join(interactions, i.id == review_task_interactions.c.interaction_id)
        )
        .where(
            # The decision that stands (gateway.review.verdicts): the one that resolved the task.
            stands(d, newest),
            judged_as_one_answer(),
            i.endpoint == CHAT_ENDPOINT,
            label,
            *stored_by(d.c.id, newest),
        )
    )


def labelling_decisions(upto: LabelsUpTo | None, *columns: Any) -> Select[Any]:
    """`columns` of the decision that resolved each single-interaction chat task, where it labels an answer."""
    d = DECISION
    _, whole = approvals_said(d)
    # A correction that says nothing (stored blank before decisions took gateway.domain.blank_text's rule, or all taken
    # by redaction), or of a choice the answer has not (stored before decisions checked it), labels no answer, and so
    # outranks no end user's correction of it.
    corrects = and_(says_something(d.c.correction), has_choice(interactions.c, d.c.choice))
    labels_an_answer = or_(corrects, and_(d.c.outcome == "approve", d.c.correction.is_(None), whole))
    return deciding_decisions(upto, labels_an_answer, *columns)


def left_out_decisions(where: ExampleFilter, upto: LabelsUpTo | None) -> Select[Any]:
    """How many deciding decisions `where` selects the rows leave out, as (approvals whose answer said and called
    nothing, approvals of an answer cut short, corrections that said nothing, corrections redaction took all of,
    corrections of a choice the answer has not):
    labels that label no answer, for the export's summary to tell. An approval of an answer cut short before it said
    anything counts as saying nothing."""
    d = DECISION
    said, whole = approvals_said(d)
    approval = and_(d.c.outcome == "approve", d.c.correction.is_(None))
    silent = and_(approval, ~said)
    # NULL (a later choice's finish reason the answer does not list) is not whole.
    cut_short = and_(approval, said, ~func.coalesce(whole, false()))
    blank = and_(d.c.correction.is_not(None), ~not_blank(d.c.correction))
    redacted = and_(not_blank(d.c.correction), redaction_took_all(d.c.correction))
    unknown_choice = and_(says_something(d.c.correction), ~has_choice(interactions.c, d.c.choice))
    reasons = (silent, cut_short, blank, redacted, unknown_choice)
    # One pass over the decisions for every reason: count() of a CASE counts the rows it holds of.
    counts = (func.count(case((reason, 1))) for reason in reasons)
    query = deciding_decisions(upto, or_(*reasons), *counts)
    return labelled_in(query, where, app=review_tasks.c.app, label=d, stored=where.decisions_stored)


def reviewed(interaction_id: ColumnElement[str], upto: LabelsUpTo | None = None) -> ColumnElement[bool]:
    """Whether a reviewer's deciding decision labels the interaction `interaction_id` names (it outranks end users'
    corrections).

    A correlated EXISTS, a few primary-key lookups per row: a chunk of end users' corrections then
    reads its own rows, where `NOT IN (every reviewed interaction)` made each chunk gather all of them.
    """
    held = review_task_interactions.c.interaction_id
    decisions = labelling_decisions(upto, held).where(held == interaction_id)
    # Only the outer label's table is correlated: the decision's own interaction row is looked up inside.
    return decisions.correlate_except(review_tasks, review_task_interactions, interactions, DECISION).exists()
