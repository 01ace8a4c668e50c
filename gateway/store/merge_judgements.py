"""The LLM merge judge's answers kept in the database by their question's hash, so no pass asks the same twice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.chunks import chunks
from gateway.store.inserts import insert_skipping_duplicates
from gateway.store.tables import merge_judgements

__all__ = ["MergeJudgementStore"]

# How long an answer is kept is the setting `merge_judge_answer_days` (30 days by default), applied by
# retention (gateway.privacy.retention), which drops the older ones.


class MergeJudgementStore:
    """Reads and writes rows of `merge_judgements` (question hash -> same or not)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        # Two passes (or processes) may ask the same question; the first answer kept wins.
        self._insert = insert_skipping_duplicates(engine.dialect, merge_judgements, ["question_key"])

    async def answers(self, keys: Sequence[str]) -> dict[str, bool]:
        """The kept answers to the questions `keys`; questions never answered are absent."""
        found: dict[str, bool] = {}
        async with self._engine.connect() as connection:
            for chunk in chunks(list(dict.fromkeys(keys))):
                query = select(merge_judgements.c.question_key, merge_judgements.c.same).where(
                    merge_judgements.c.question_key.in_(chunk)
                )
                found.update({key: bool(same) for key, same in await connection.execute(query)})
        return found

    async def keep(self, model: str, answers: Mapping[str, bool]) -> None:
        """Keep `answers` (question hash -> same) given by `model`, leaving answers kept before as they are."""
        at = datetime.now(UTC)
        rows = [{"question_key": key, "model": model, "same": same, "asked_at": at} for key, same in answers.items()]
        async with self._engine.begin() as connection:
            for chunk in chunks(rows):
                await connection.execute(self._insert, list(chunk))

    async def drop_before(self, cutoff: datetime, batch_size: int) -> int:
        """Delete the answers given before `cutoff`, at most `batch_size` per transaction; how many went.

        Each batch is its own short transaction, as idempotency keys are dropped (gateway.store.idempotency),
        found by the `asked_at` index: a row is small, but a pass may ask thousands of questions, and without
        it each batch read the whole table (revision 0041).
        """
        j = merge_judgements.c
        dropped = 0
        while True:
            due = select(j.question_key).where(j.asked_at < cutoff).limit(batch_size)
            async with self._engine.begin() as connection:
                batch = (await connection.execute(delete(merge_judgements).where(j.question_key.in_(due)))).rowcount
            dropped += batch
            if batch < batch_size:
                return dropped
