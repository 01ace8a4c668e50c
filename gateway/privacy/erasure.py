"""Erasure on request: every row about one end user goes, and the audit log records that it happened.

What goes: the interactions that name the user (`end_user`), all feedback on them and every
feedback event the user gave elsewhere, their issue memberships, review-task links (and tasks
left about nobody), kept UMAP points, embedding-cache rows of their texts, and copies of their
texts in issue examples and fix previews. Training examples are read from those rows, so they
go too. Issues that lose members or complaints get their size and negative count recomputed
from what remains; earlier history points keep the figures their runs found.

The audit record says who asked, when, and how many rows of each kind went; it names the user
only by a keyed hash (HMAC-SHA256 under a secret kept in the database), so the log can confirm
a given user was erased without holding their identifier, and holds none of their text.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.documents import DocumentRecipe
from gateway.audit.records import AuditEntry
from gateway.domain.errors import InvalidQuery
from gateway.privacy.cache_keys import cache_keys
from gateway.recording.identifiers import MAX_USER_CHARS, fitted_identifier
from gateway.store.audit import AuditStore
from gateway.store.erasure import (
    delete_feedback_by,
    delete_tasks_about_nobody,
    interactions_of_user,
    interactions_rated_by,
    tasks_holding,
)
from gateway.store.interaction_removal import (
    RemovalCounts,
    delete_cache_rows,
    drop_dangling_copies,
    issues_of,
    recount_issues,
    remove_interactions,
    texts_of,
)
from gateway.store.secrets import get_or_create_secret

ACTION = "privacy.erasure"
SUBJECT_TYPE = "end_user"
BATCH = 5_000


@dataclass(frozen=True, slots=True)
class ErasureReport:
    """How many rows of each kind went, and the audit record's place in the chain."""

    counts: RemovalCounts
    subject: str
    audit_seq: int


def checked_user(user: str | None) -> str:
    """The end-user id to erase, or InvalidQuery saying what is wrong with it."""
    if not isinstance(user, str) or not user.strip():
        raise InvalidQuery("user", "'user' must be the end user's id as the interactions name it (non-empty text)")
    if len(user) > MAX_USER_CHARS:
        raise InvalidQuery("user", f"'user' is at most {MAX_USER_CHARS} characters")
    return fitted_identifier(user)


async def user_subject(engine: AsyncEngine, user: str) -> str:
    """How the audit log names an erased user: a keyed hash of the id, never the id itself."""
    key = await get_or_create_secret(engine, "erasure_key")
    return "hmac-sha256:" + hmac.new(key.encode(), user.encode(), hashlib.sha256).hexdigest()


async def _erase_interactions(
    engine: AsyncEngine, user: str, recipes: Sequence[DocumentRecipe], batch: int
) -> tuple[RemovalCounts, set[str]]:
    """The user's interactions with everything about them, a batch per transaction; and the issues hit."""
    counts = RemovalCounts()
    affected: set[str] = set()
    while True:
        async with engine.connect() as connection:
            ids = await interactions_of_user(connection, user, batch)
            if not ids:
                return counts, affected
            texts = await texts_of(connection, ids)
            tasks = await tasks_holding(connection, ids)
        keys = await asyncio.to_thread(cache_keys, texts, recipes)
        async with engine.begin() as connection:
            removed, hit = await remove_interactions(connection, ids, keys)
            counts.add(removed)
            affected |= hit
            counts.review_tasks += await delete_tasks_about_nobody(connection, sorted(tasks))


async def _erase_feedback_given(
    engine: AsyncEngine, user: str, recipes: Sequence[DocumentRecipe], affected: set[str]
) -> RemovalCounts:
    """The user's feedback on other people's interactions and the clustering documents that quote it; then
    every issue that lost a member or a complaint (`affected` and those of the rated interactions) is recounted."""
    counts = RemovalCounts()
    async with engine.connect() as connection:
        rated = await interactions_rated_by(connection, user)
        texts = await texts_of(connection, rated)
    keys = await asyncio.to_thread(lambda: cache_keys(texts, recipes, questions=False))
    async with engine.begin() as connection:
        affected = affected | await issues_of(connection, rated)
        counts.feedback = await delete_feedback_by(connection, user)
        counts.embeddings = await delete_cache_rows(connection, keys)
        counts.issues_recounted = await recount_issues(connection, affected)
    return counts


async def erase_end_user(
    engine: AsyncEngine,
    user: str,
    actor: str,
    recipes: Sequence[DocumentRecipe],
    *,
    via: str,
    batch: int = BATCH,
) -> ErasureReport:
    """Delete every row about `user` and append the audit record; `via` says how it was asked ("cli", "api")."""
    user = checked_user(user)
    counts, affected = await _erase_interactions(engine, user, recipes, batch)
    counts.add(await _erase_feedback_given(engine, user, recipes, affected))
    counts.add(await drop_dangling_copies(engine))
    subject = await user_subject(engine, user)
    record = await AuditStore(engine).append(
        AuditEntry(
            actor=actor,
            action=ACTION,
            subject_type=SUBJECT_TYPE,
            subject_id=subject,
            detail={"via": via, "removed": counts.as_dict()},
        )
    )
    return ErasureReport(counts=counts, subject=subject, audit_seq=record.seq)
