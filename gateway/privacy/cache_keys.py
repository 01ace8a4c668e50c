"""The embedding-cache keys an interaction's texts produce, so pruning and erasure can delete those rows too.

The cache is keyed by a hash of the embedded text, not by interaction. Two kinds of text come
from an interaction: the end user's last message (the review rules' traffic index, the effect
topics) and, while it has negative feedback, its clustering document (complaints first, then the
question; see clustering.documents) under the configured recipe and the default one. A document
made from complaints that have since changed cannot be rebuilt; its row stays, a vector without
its text. A key shared with another interaction's text is deleted too: the cache re-embeds it on
its next use.
"""

from __future__ import annotations

from collections.abc import Iterable

from clustering.documents import DEFAULT_RECIPE, DocumentRecipe, FeedbackItem, build_document
from clustering.embed import content_hash
from gateway.discovery.items import last_user_message
from gateway.store.interaction_removal import InteractionTexts


def _joined(texts: Iterable[str | None]) -> str | None:
    # As gateway.discovery.items joins several users' complaints on one interaction.
    present = [text for text in texts if text]
    return "\n".join(present) if present else None


def cache_keys(
    texts: Iterable[InteractionTexts],
    recipes: Iterable[DocumentRecipe] = (DEFAULT_RECIPE,),
    *,
    questions: bool = True,
) -> set[str]:
    """The content hashes of every text the embedding cache may hold for these interactions.

    `questions=False` leaves out the end users' messages: only the clustering documents, which
    also hold the complaints.
    """
    recipes = tuple(dict.fromkeys(recipes))
    keys: set[str] = set()
    for interaction in texts:
        question = last_user_message(interaction.request)
        if question and questions:
            keys.add(content_hash(question))
        if not interaction.complaints:
            continue
        item = FeedbackItem(
            interaction_id=interaction.id,
            app=interaction.app,
            user_message=question,
            answer=interaction.response_text,
            comment=_joined(comment for comment, _ in interaction.complaints),
            correction=_joined(correction for _, correction in interaction.complaints),
            created_at=interaction.created_at,
        )
        for recipe in recipes:
            document = build_document(item, recipe)
            if document:
                keys.add(content_hash(document))
    return keys
