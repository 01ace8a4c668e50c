"""Counting each feedback token's stored submissions, so none stores more than its bound."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.store.inserts import conflict_insert
from gateway.store.tables import feedback_token_uses


class TokenExhausted(Exception):
    """The token has already stored as many submissions as it may; nothing was stored."""


@dataclass(frozen=True, slots=True)
class TokenBound:
    """One submission to count against a token: it may store at most `max_submissions` in all."""

    token_id: str
    interaction_id: str
    max_submissions: int
    at: datetime


async def count_submission(connection: AsyncConnection, bound: TokenBound) -> int:
    """Count one more submission under the token, in the caller's transaction; raises TokenExhausted at the bound.

    One conditional upsert: the row lock it takes makes concurrent posts under one token (from any
    gateway process) count one after another, so the bound holds exactly.
    """
    uses = feedback_token_uses.c
    statement = (
        conflict_insert(connection.dialect, feedback_token_uses)
        .values(token_id=bound.token_id, interaction_id=bound.interaction_id, submissions=1, last_submitted_at=bound.at)
        .on_conflict_do_update(
            index_elements=[uses.token_id],
            set_={"submissions": uses.submissions + 1, "last_submitted_at": bound.at},
            where=uses.submissions < bound.max_submissions,
        )
        .returning(uses.submissions)
    )
    counted = (await connection.execute(statement)).scalar()
    if counted is None:
        raise TokenExhausted(bound.token_id)
    return int(counted)
