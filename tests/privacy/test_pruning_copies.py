"""Pruning leaves no copy of a pruned interaction's texts: issue words, tasks that never held it, old cache rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cache_seed import QUESTION, cache, document_key, landmark
from issue_text_seed import (
    KEPT_KEYWORDS,
    KEYWORDS,
    alice_and_bob,
    complaint,
    give_feedback,
    holds_alices_words,
    issue_of,
    issue_task_for,
    issue_task_quoting,
    issue_texts,
    task_blob,
)
from privacy_seed import count_where
from review_copies_seed import complaining, quoted, shown

from clustering.documents import DocumentRecipe
from gateway.privacy.retention import prune_before
from gateway.store.tables import embeddings

NOW = datetime.now(UTC)
OLD = NOW - timedelta(days=40)
CUTOFF = NOW - timedelta(days=30)


async def test_prune_drops_the_keywords_only_pruned_complaints_had(engine):
    issue_id = await issue_of(engine, list(await alice_and_bob(engine, alice_at=OLD)), KEYWORDS)

    await prune_before(engine, CUTOFF)

    assert (await issue_texts(engine, issue_id))["keywords"] == KEPT_KEYWORDS


async def test_prune_leaves_the_issue_task_none_of_the_pruned_complaints_words(engine):
    alice, bob = await alice_and_bob(engine, alice_at=OLD)
    await issue_of(engine, [alice, bob], KEYWORDS)
    task_id = await issue_task_for(engine, bob)

    await prune_before(engine, CUTOFF)

    assert not holds_alices_words(await task_blob(engine, task_id))


async def test_a_task_keeps_no_copy_of_a_pruned_interaction_another_task_held(engine):
    old, recent = await complaining(engine, "alice", created_at=OLD), await complaining(engine, "bob")
    task_id = await issue_task_quoting(engine, old, recent)

    await prune_before(engine, CUTOFF)

    assert quoted(await shown(engine, task_id), old) == dict.fromkeys(old.texts, False)


async def test_prune_removes_the_document_made_before_a_comment_changed(engine):
    interaction = await complaint(engine, "alice", QUESTION, "charged twice at Elm Street", created_at=OLD)
    await give_feedback(engine, interaction, "alice", "still charged twice")
    first = document_key(interaction, ["charged twice at Elm Street"])
    await cache(engine, first)

    await prune_before(engine, CUTOFF)

    assert await count_where(engine, embeddings.c.content_hash, [first]) == 0


async def test_prune_removes_the_document_a_landmark_of_a_pruned_interaction_names(engine):
    interaction = await complaint(engine, "alice", QUESTION, "charged twice at Elm Street", created_at=OLD)
    key = document_key(interaction, ["charged twice at Elm Street"], DocumentRecipe(max_comment_chars=10))
    await landmark(engine, interaction, key)
    await cache(engine, key)

    await prune_before(engine, CUTOFF)

    assert await count_where(engine, embeddings.c.content_hash, [key]) == 0
