"""The LLM merge judge's answers kept in the database by their question's hash, so no pass asks the same twice."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import ColumnElement

from gateway.store.chunks import chunks
from gateway.store.inserts import insert_skipping_duplicates
from gateway.store.tables import merge_judgements

__all__ = ["MergeJudgementStore"]


def _expired(oldest_standing: datetime) -> ColumnElement[bool]:
    """Whether an answer was asked before `oldest_standing`: the one comparison reading, replacing and pruning draw the
    line by (an answer exactly the lifetime old still stands, and is kept)."""
    return merge_judgements.c.asked_at < oldest_standing


class MergeJudgementStore:
    """Reads and writes rows of `merge_judgements` (question hash -> same or not).

    An answer stands for `lifetime` (the setting `merge_judge_answer_days`) from when it was asked: an older one is no
    answer, so the question is asked again and the new answer kept in its place; retention drops the older ones
    (gateway.privacy.retention, by `drop_expired`).
    """

    def __init__(
        self, engine: AsyncEngine, lifetime: timedelta, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._engine = engine
        self._lifetime = lifetime
        self._clock = clock
        # Two passes (or processes) may ask the same question; the first answer kept wins.
        self._insert = insert_skipping_duplicates(engine.dialect, merge_judgements, ["question_key"])

    def _oldest_standing(self, now: datetime) -> datetime:
        return now - self._lifetime

    async def answers(self, keys: Sequence[str]) -> dict[str, bool]:
        """The standing answers to the questions `keys`; questions never answered, or answered too long ago, are absent."""
        j = merge_judgements.c
        standing = ~_expired(self._oldest_standing(self._clock()))
        found: dict[str, bool] = {}
        async with self._engine.connect() as connection:
            for chunk in chunks(list(dict.fromkeys(keys))):
                query = select(j.question_key, j.same).where(j.question_key.in_(chunk), standing)
                found.update({key: bool(same) for key, same in await connection.execute(query)})
        return found

    async def keep(self, model: str, answers: Mapping[str, bool]) -> None:
        """Keep `answers` (question hash -> same) given by `model`: in place of an answer past its lifetime, beside any
        answer still standing (which stays as it is)."""
        at = self._clock()
        j = merge_judgements.c
        rows = [{"question_key": key, "model": model, "same": same, "asked_at": at} for key, same in answers.items()]
        async with self._engine.begin() as connection:
            for chunk in chunks(rows):
                keys = [row["question_key"] for row in chunk]
                expired = and_(j.question_key.in_(keys), _expired(self._oldest_standing(at)))
                await connection.execute(delete(merge_judgements).where(expired))
                await connection.execute(self._insert, list(chunk))

    async def drop_expired(self, batch_size: int, before: datetime | None = None) -> int:
        """Delete the answers past their lifetime, or asked before `before` when that is later, at most `batch_size` per
        transaction; how many went.

        Each batch is its own short transaction, as idempotency keys are dropped (gateway.store.idempotency),
        found by the `asked_at` index: a row is small, but a pass may ask thousands of questions, and without
        it each batch read the whole table (revision 0041).
        """
        oldest = self._oldest_standing(self._clock())
        due = _expired(max(oldest, before) if before is not None else oldest)
        j = merge_judgements.c
        dropped = 0
        while True:
            batch_keys = select(j.question_key).where(due).limit(batch_size)
            async with self._engine.begin() as connection:
                deleted = delete(merge_judgements).where(j.question_key.in_(batch_keys))
                batch = (await connection.execute(deleted)).rowcount
            dropped += batch
            if batch < batch_size:
                return dropped
