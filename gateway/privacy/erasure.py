"""Erasure on request: every row about one end user goes, every copy of their words is scrubbed, and the
audit log records that it happened.

The user is looked up by every id they may be stored under (gateway.recording.identifiers.end_user_forms): the
id without its blank ends and, when it has some, the id as given, which rows stored before ids were trimmed
keep (an indexed IN of one or two ids, on interactions.end_user and feedback.user_id).

What goes, in bounded batches of the user's interactions (each its own short transaction), then
the feedback they gave on other people's answers:

- the interactions that name the user (`end_user`) with every row that refers to one: all
  feedback on them, feedback-token counters, issue memberships, issue-map points, review-task
  links, kept UMAP points (gateway.store.interaction_removal); the search index entries go with
  the rows (triggers on SQLite, a generated column on PostgreSQL);
- every feedback event the user gave on anyone's interaction; of the other people's interactions they
  rated (which stay), those left with no negative current feedback from anyone leave every issue
  (memberships, issue-map points, kept UMAP points; gateway.store.interaction_removal.remove_from_issues),
  those another user still complains about stay members;
- every copy of a rated interaction the user commented on or corrected (in any of their events), or of
  one that left its issues, as if it were removed: its issue examples (a clustering document joins every
  complainer's comment with the question), fix-preview items (which carry the members' corrections) and
  review-task entries (below). An entry goes whole rather than being rebuilt without the user's words:
  it was made by a recipe and from complaints that may no longer be current, so it cannot be remade
  exactly; the next full clustering pass writes the examples again from what remains;
- embedding-cache rows of their texts: their messages, and every clustering document their
  complaints were part of, current or superseded, joined with other users' in any order
  (gateway.privacy.cache_keys), and the documents the kept fit's landmarks on those interactions
  (and on answers the user rated) name;
- review tasks left about nobody (no interaction left and no issue), with their tags, decisions
  and events; every other task, whether it held the user's interactions or only quoted them
  (an issue's task quotes members another task holds), loses their copies, and those of the rated
  interactions above, in its suggested action, evidence and events (gateway.store.review_copies): a
  held answer goes with the reviewer's correction of it kept exact for the waiting app, even while
  the hold runs (the app's poll then gets the 404 of a task that does not exist);
- copies of their texts in issue examples and fix-preview items;
- the words only they wrote (their messages, and every comment and correction they gave, on anyone's
  interaction) from the issues made of their complaints (gateway.privacy.issue_texts):
  keywords, a title or summary holding such a word (the title falls back to the keyword title of
  the keywords left), the same words in rename events and in the issue's review tasks (reason,
  evidence, tags, events); an issue left with neither members nor examples also loses its
  centroid. Training examples are read from the rows above, so they go too.

What stays, and why:

- aggregates over the complaints that remain: an issue's keywords and titles that other remaining
  complaints also use, its centroid while it has members (the next full clustering pass
  recomputes both), its size and negative count (recounted from what remains; earlier history
  points keep the figures their runs found), daily roll-ups (recounted);
- what people wrote: knowledge-base entries and prompt versions with their histories (a reviewer
  may have started from a user's correction: the review page offers it), fix-preview candidates,
  reviewers' decisions, comments and corrections, manual tasks' reasons, status notes — edit or
  delete those by hand;
- the audit log, append-only and hash-chained, is never edited: it names interactions by id, never
  an end user, and copies none of their texts (a task about an issue is audited without its
  reason, which quotes the issue's title), but issue.rename records the titles replaced and set,
  and a decision on a held answer records the answer's SHA-256 (as the task's "decided" event does);
- outside the database: exports already written, a process's in-memory traffic index (vectors of
  recent questions, until they leave the window or the process restarts; the similar-negative and anomalous
  rules forget those no longer stored before they count or name them), backups, and the bytes of
  deleted rows until the database reuses or vacuums their pages.

Calls not stored yet (in any gateway process's writer queue, still running, in a spool file during a
database outage, in a file being imported) are never stored: the erasure first records the user with
its time (gateway.store.erased_users), and every insert drops that user's rows made before it.

The audit record says who asked, when, and how many rows of each kind went; it names the user
only by a keyed hash (HMAC-SHA256 under a secret kept in the database), so the log can confirm
a given user was erased without holding their identifier, and holds none of their text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.documents import DocumentRecipe
from gateway.audit.names import AuditAction, AuditSubjectType
from gateway.audit.records import AuditEntry
from gateway.domain.blank_text import blank_message
from gateway.domain.errors import InvalidQuery
from gateway.domain.stored_text import refuse_nul
from gateway.privacy.cache_keys import cache_keys
from gateway.privacy.issue_texts import IssueTextCopies
from gateway.recording.identifiers import end_user_forms
from gateway.store.audit import AuditStore
from gateway.store.erased_users import ERASURE_KEY, record_erasure, subject_of
from gateway.store.erasure import (
    delete_feedback_by,
    delete_tasks_about_nobody,
    interactions_of_user,
    interactions_rated_by,
    tasks_holding,
    without_complaints,
)
from gateway.store.interaction_removal import (
    RemovalCounts,
    delete_cache_rows,
    drop_dangling_copies,
    issues_of,
    landmark_keys,
    recount_issues,
    remove_from_issues,
    remove_interactions,
    texts_of,
)
from gateway.store.locks import CLUSTERING_LOCK, hold_lock
from gateway.store.review_copies import drop_task_copies, drop_unheld_copies
from gateway.store.secrets import get_or_create_secret

# What a refusal of the user to erase asks for, over HTTP (`user`) and on the command line (`--user`).
WANTED_USER = "give the end user's id as the interactions name it"
ACTION: AuditAction = "privacy.erasure"
SUBJECT_TYPE: AuditSubjectType = "end_user"
BATCH = 5_000


@dataclass(frozen=True, slots=True)
class ErasureReport:
    """How many rows of each kind went, and the audit record's place in the chain."""

    counts: RemovalCounts
    subject: str
    audit_seq: int
    # How long it waited for the clustering pass under way (or a prune) to let go of the clustering lock.
    waited_seconds: float = 0.0


def forms_to_erase(user: str | None) -> tuple[str, ...]:
    """The ids the end user to erase may be stored under (end_user_forms: the trimmed one first), or InvalidQuery
    saying what is wrong with it: a blank one (empty, spaces, zero-width spaces: the one rule) in the rule's words."""
    if not isinstance(user, str):
        raise InvalidQuery("user", f"'user' must be text: {WANTED_USER}")
    forms = end_user_forms(user)
    if not forms:
        raise InvalidQuery("user", blank_message("user", WANTED_USER))
    refuse_nul("user", user)
    return forms


async def user_subject(engine: AsyncEngine, user: str) -> str:
    """How the audit log names an erased user: a keyed hash of the id, never the id itself."""
    return subject_of(await get_or_create_secret(engine, ERASURE_KEY), user)


async def _erase_interactions(
    engine: AsyncEngine, forms: tuple[str, ...], recipes: Sequence[DocumentRecipe], batch: int
) -> tuple[RemovalCounts, set[str]]:
    """The user's interactions with everything about them, a batch at a time; and the issues hit.

    Each batch's words in the issues go first (judged by what the issues keep without the batch), then the
    rest in one transaction: a process dying at any point leaves the batch whole for the erasure run again,
    or gone with every copy.
    """
    counts = RemovalCounts()
    affected: set[str] = set()
    while True:
        issue_texts = IssueTextCopies()
        async with engine.connect() as connection:
            ids = await interactions_of_user(connection, forms, batch)
            if not ids:
                return counts, affected
            texts = await texts_of(connection, ids)
            tasks = await tasks_holding(connection, ids)
            await issue_texts.note(connection, texts)
        counts.issue_texts += await issue_texts.finish(engine, leaving=set(ids))
        keys = await asyncio.to_thread(cache_keys, texts, recipes)
        async with engine.begin() as connection:
            removed, hit = await remove_interactions(connection, ids, keys)
            counts.add(removed)
            affected |= hit
            await recount_issues(connection, hit)
            counts.add(await drop_dangling_copies(connection))
            counts.review_tasks += await delete_tasks_about_nobody(connection, sorted(tasks))


async def _erase_feedback_given(
    engine: AsyncEngine, forms: tuple[str, ...], recipes: Sequence[DocumentRecipe]
) -> tuple[RemovalCounts, set[str], set[str]]:
    """The user's feedback on other people's interactions and the clustering documents that quote it; the
    rated interactions left without a complaint leave their issues, which are recounted; every copy of a
    quoted interaction goes from issue examples, fix previews and the tasks holding it, and the words only
    the user's feedback gave the issues go: all in one transaction, so that a process dying part-way leaves
    the user's feedback to the erasure run again.

    The documents: every one the rated interactions' feedback made while the user's was part of it, and
    their landmarks' (which may have been made from it). Also returns the *quoted* interactions (those the
    user commented on or corrected, in any of their events, superseded ones too, and those that left their
    issues), for the tasks quoting them without holding them, and the issues recounted.
    """
    counts = RemovalCounts()
    issue_texts = IssueTextCopies()
    async with engine.connect() as connection:
        rated = await interactions_rated_by(connection, forms)
        texts = await texts_of(connection, rated)
        landmarks = await landmark_keys(connection, rated)
        await issue_texts.note(connection, texts, frozenset(forms))
    worded = {t.id for t in texts if any(e.user_id in forms and (e.comment or e.correction) for e in t.feedback)}
    # Tasks quoting the user's words without holding them: scrubbed first, as the erasure run again would find
    # no sign of those words once their feedback is gone.
    counts.tasks_scrubbed = await drop_unheld_copies(engine, worded) if worded else 0
    keys = await asyncio.to_thread(lambda: cache_keys(texts, recipes, questions=False, given_by=frozenset(forms)))
    async with engine.begin() as connection:
        affected = await issues_of(connection, rated)
        counts.feedback = await delete_feedback_by(connection, forms)
        left = await without_complaints(connection, rated)
        counts.add(await remove_from_issues(connection, left))
        counts.embeddings += await delete_cache_rows(connection, keys | landmarks)
        await recount_issues(connection, affected)
        quoted = worded | set(left)
        holding = await tasks_holding(connection, sorted(quoted))
        counts.tasks_scrubbed += await drop_task_copies(connection, sorted(holding), quoted)
        # Examples go before the words are judged: an issue is no longer made from a quoted example.
        counts.add(await drop_dangling_copies(connection, quoted))
        counts.issue_texts = await issue_texts.finish(connection)
    return counts, quoted, affected


async def erase_end_user(
    engine: AsyncEngine,
    user: str,
    actor: str,
    recipes: Sequence[DocumentRecipe],
    *,
    via: str,
    batch: int = BATCH,
    on_wait: Callable[[str | None], None] | None = None,
) -> ErasureReport:
    """Delete every row about `user` and append the audit record; `via` says how it was asked ("cli", "api").

    `on_wait` is called once if a clustering pass (or a prune) holds the clustering lock and the erasure waits,
    with what its holder holds it for (gateway.store.locks.held_for).
    """
    # Rows migration 0046 could not trim keep the id as sent: " user-8 " is looked up as "user-8" and as given.
    forms = forms_to_erase(user)
    # Recorded first: from now on no process stores a call of theirs made before this moment.
    subject = await record_erasure(engine, await get_or_create_secret(engine, ERASURE_KEY), forms, datetime.now(UTC))
    # A clustering pass under way may have read the user's complaints: it ends (and stores what it made of
    # them) first, and none starts before this is done, so none writes them back after the scrub.
    async with hold_lock(engine, CLUSTERING_LOCK, on_wait=on_wait, held_for="an erasure") as waited:
        counts, affected = await _erase_interactions(engine, forms, recipes, batch)
        given, quoted, rated_issues = await _erase_feedback_given(engine, forms, recipes)
        counts.add(given)
        counts.issues_recounted = len(affected | rated_issues)
        counts.tasks_scrubbed += await drop_unheld_copies(engine, quoted)
    record = await AuditStore(engine).append(
        AuditEntry(
            actor=actor,
            action=ACTION,
            subject_type=SUBJECT_TYPE,
            subject_id=subject,
            detail={"via": via, "removed": counts.as_dict()},
        )
    )
    return ErasureReport(counts=counts, subject=subject, audit_seq=record.seq, waited_seconds=waited)
