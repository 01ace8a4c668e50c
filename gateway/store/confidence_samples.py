"""An app's recorded chat answers that carry token log-probabilities, each labelled bad or not, for calibration.

An answer is *bad* when the reviewers' decision that stands on a task holding it rejected or corrected it, or, where no
such decision approved it, when some user's current feedback on it is negative (the decision that stands outranks end
users, as in the training-data export: gateway.store.standing_decisions.held_by_standing). The decision that stands is
the last of a resolved task's current round (gateway.review.verdicts): a first opinion the second reviewer overruled, a
round set aside by reopening and a first opinion still awaiting the second judge nothing. Feedback and decisions count
only when they judge the choice measured (the window's `choice`: an answer to `n` > 1 has several, and the gate
measures one). A judgement of another choice says nothing of that measure and is left out.
A decision on a task of several interactions names no choice (stored 0: it judges the answers as a
pattern) and counts for each.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Integer, Text, and_, case, cast, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import ColumnElement, Select

from gateway.review.verdicts import JUDGED_RIGHT, JUDGED_WRONG
from gateway.store.choice_sql import choice_has_token_logprobs
from gateway.store.current_feedback import current_feedback
from gateway.store.standing_decisions import held_by_standing
from gateway.store.tables import feedback, interactions

# Any select statement, whatever its columns' types.
_AnySelect = TypeVar("_AnySelect", bound=Select[*tuple[Any, ...]])

CHAT = "chat.completions"
# Rows fetched from the database per round trip, and handed to the caller per batch.
BATCH = 1_000


@dataclass(frozen=True, slots=True)
class SampleWindow:
    """`app`'s chat interactions created in [since, until), the newest `limit` of them, measured on their choice at
    index `choice` (what the confidence gate measures)."""

    app: str
    since: datetime
    until: datetime
    limit: int
    choice: int


@dataclass(frozen=True, slots=True)
class LabelledAnswer:
    """One recorded chat completion as JSON text (not decoded here: that is CPU work for a thread) and its label."""

    interaction_id: str
    response_json: str
    bad: bool


class ConfidenceSampleStore:
    """Streams labelled answers with log-probabilities, and counts an app's chat answers."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    def _in_window(self, query: _AnySelect, window: SampleWindow) -> _AnySelect:
        i = interactions.c
        return query.where(
            i.app == window.app,
            i.created_at >= window.since,
            i.created_at < window.until,
            i.endpoint == CHAT,
            i.status_code == 200,
        )

    def _has_token_logprobs(self, choice: int) -> ColumnElement[bool]:
        """The measured choice's ``logprobs.content`` (or ``.refusal``) is a JSON array: the choice whose `index` is
        `choice`, wherever the upstream lists it, as the gate picks it (gateway.store.choice_sql)."""
        return choice_has_token_logprobs(interactions.c, literal(choice, Integer))

    async def chat_answers(self, window: SampleWindow) -> tuple[int, int]:
        """How many successful chat completions `window.app` has in the window, and how many carry log-probabilities."""
        carrying = func.count(case((self._has_token_logprobs(window.choice), 1)))
        query = self._in_window(select(func.count(), carrying).select_from(interactions), window)
        async with self._engine.connect() as connection:
            every, with_logprobs = (await connection.execute(query)).one()
        return int(every), int(with_logprobs)

    async def labelled_answers(self, window: SampleWindow) -> AsyncIterator[list[LabelledAnswer]]:
        """The newest `window.limit` answers with log-probabilities, newest first, `BATCH` at a time."""
        i, f = interactions.c, feedback.c

        def of_window(query: Select[Any]) -> Select[Any]:
            return self._in_window(query.join(interactions, i.id == f.interaction_id), window)

        current = current_feedback(f.interaction_id, f.negative, f.choice, narrow=of_window)
        # One row per interaction some user currently judges negatively, on the measured choice: joined, not a
        # per-row subquery, so the window function runs once.
        judged_negative = [current.c.negative.is_(True), current.c.choice == window.choice]
        negative = select(current.c.interaction_id).where(*judged_negative).distinct().subquery()
        # The decision that stands first (gateway.review.verdicts): end users' feedback only where none holds it right.
        held_wrong = held_by_standing(i.id, window.choice, JUDGED_WRONG)
        held_right = held_by_standing(i.id, window.choice, JUDGED_RIGHT)
        end_users_found_bad = and_(negative.c.interaction_id.is_not(None), ~held_right)
        bad = case((or_(held_wrong, end_users_found_bad), True), else_=False)
        query = (
            self._in_window(select(i.id, cast(i.response, Text), bad), window)
            .select_from(interactions.outerjoin(negative, negative.c.interaction_id == i.id))
            .where(i.response.is_not(None), self._has_token_logprobs(window.choice))
            .order_by(i.created_at.desc(), i.id.desc())
            .limit(window.limit)
        )
        async with self._engine.connect() as connection:
            result = await connection.stream(query.execution_options(yield_per=BATCH))
            async for rows in result.partitions(BATCH):
                yield [LabelledAnswer(row[0], row[1], bool(row[2])) for row in rows]
