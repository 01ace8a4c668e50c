"""Erasure deletes every embedding-cache row made from the user's texts, not only those of their current feedback.

A clustering pass embeds the document of the complaints current at the time; a landmark names
the document its fit embedded.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cache_seed import QUESTION, cache, document_key, landmark
from issue_text_seed import complaint, give_feedback
from privacy_seed import count_where

from clustering.documents import DEFAULT_RECIPE, DocumentRecipe
from gateway.privacy.erasure import erase_end_user
from gateway.store.tables import embeddings

RECIPES = (DEFAULT_RECIPE,)


async def test_erase_removes_the_document_made_before_the_user_changed_their_comment(engine):
    earlier = datetime.now(UTC) - timedelta(minutes=5)
    interaction = await complaint(engine, "alice", QUESTION, "charged twice at Elm Street", created_at=earlier)
    await give_feedback(engine, interaction, "alice", "still charged twice")
    first = document_key(interaction, ["charged twice at Elm Street"])
    await cache(engine, first)

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    assert await count_where(engine, embeddings.c.content_hash, [first]) == 0


async def test_erase_removes_the_documents_that_joined_the_users_complaint_with_another_in_either_order(engine):
    interaction = await complaint(engine, "bob", QUESTION, "bob says wrong")
    await give_feedback(engine, interaction, "alice", "alice at Elm Street says wrong")
    both_orders = [
        document_key(interaction, ["bob says wrong", "alice at Elm Street says wrong"]),
        document_key(interaction, ["alice at Elm Street says wrong", "bob says wrong"]),
    ]
    await cache(engine, *both_orders)

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    assert await count_where(engine, embeddings.c.content_hash, both_orders) == 0


async def test_erase_keeps_the_document_of_another_users_complaint_alone(engine):
    interaction = await complaint(engine, "bob", QUESTION, "bob says wrong")
    await give_feedback(engine, interaction, "alice", "alice at Elm Street says wrong")
    bobs_own = document_key(interaction, ["bob says wrong"])
    await cache(engine, bobs_own)

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    assert await count_where(engine, embeddings.c.content_hash, [bobs_own]) == 1


async def test_erase_removes_the_document_a_landmark_of_the_users_interaction_names(engine):
    interaction = await complaint(engine, "alice", QUESTION, "charged twice at Elm Street")
    # Made under a recipe no longer configured: only the landmark knows its key.
    key = document_key(interaction, ["charged twice at Elm Street"], DocumentRecipe(max_comment_chars=10))
    await landmark(engine, interaction, key)
    await cache(engine, key)

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    assert await count_where(engine, embeddings.c.content_hash, [key]) == 0


async def test_erase_removes_the_document_of_a_landmark_on_an_answer_the_user_rated(engine):
    interaction = await complaint(engine, "bob", QUESTION, "bob says wrong")
    await give_feedback(engine, interaction, "alice", "alice at Elm Street says wrong")
    key = document_key(
        interaction, ["bob says wrong", "alice at Elm Street says wrong"], DocumentRecipe(max_comment_chars=30)
    )
    await landmark(engine, interaction, key)
    await cache(engine, key)

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    assert await count_where(engine, embeddings.c.content_hash, [key]) == 0
