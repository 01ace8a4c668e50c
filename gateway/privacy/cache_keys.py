"""The embedding-cache keys an interaction's texts produce, so pruning and erasure can delete those rows too.

The cache is keyed by a hash of the embedded text, not by interaction. Two kinds of text come
from an interaction: the end user's last message (the review rules' traffic index, the effect
topics) and, while it has negative feedback, its clustering document (complaints first, then the
question; see clustering.documents) under the configured recipe and the default one.

A clustering pass embeds the document of the complaints current *then*, so a document is made
for every state the interaction's feedback went through: after each event was stored, each
voter's latest event counts (gateway.store.current_feedback), and the negative ones make the
document, whose answer (under a recipe with it) is the text of the choices they judge
(gateway.discovery.items.judged_answer). Feedback events are never edited or deleted but by pruning and erasure, so every such
state can be rebuilt from the stored events. Several voters' complaints are joined in an order
the clustering pass does not fix, so each order is tried (up to MAX_ORDERED voices; beyond that,
the stored order and its reverse). A key shared with another interaction's text is deleted too:
the cache re-embeds it on its next use. Documents made under a recipe no longer configured
cannot be rebuilt; the landmarks' own keys (reduction_points.content_hash) are deleted with
their rows (gateway.store.interaction_removal).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet

from clustering.documents import DEFAULT_RECIPE, DocumentRecipe, FeedbackItem, build_document
from clustering.embed import content_hash
from gateway.discovery.items import judged_answer, last_user_message
from gateway.domain.answer_choices import choice_text
from gateway.store.interaction_removal import InteractionTexts, current_complaints

# Voices whose every order is tried (4! = 24 documents per state and recipe at most).
MAX_ORDERED = 4

# A voice's comment, correction and the number of the choice it judges.
Complaint = tuple[str | None, str | None, int]


def _joined(texts: Iterable[str | None]) -> str | None:
    # As gateway.discovery.items joins several users' complaints on one interaction.
    present = [text for text in texts if text]
    return "\n".join(present) if present else None


def complaint_states(
    interaction: InteractionTexts, given_by: AbstractSet[str] | None = None
) -> set[tuple[Complaint, ...]]:
    """Every set of current complaints the interaction had, one after each stored event, in each order joined.

    With `given_by` (the forms one end user's id is stored under), only the sets that held a complaint of that user.
    """
    states: set[tuple[Complaint, ...]] = set()
    events = interaction.feedback
    for stored in range(1, len(events) + 1):
        current = current_complaints(events[:stored])
        if not current or (given_by is not None and all(e.user_id not in given_by for e in current)):
            continue
        states.update(_orders(tuple((e.comment, e.correction, e.choice) for e in current)))
    return states


def _orders(complaints: tuple[Complaint, ...]) -> Iterator[tuple[Complaint, ...]]:
    if len(complaints) <= MAX_ORDERED:
        yield from itertools.permutations(complaints)
    else:
        yield complaints
        yield complaints[::-1]


def cache_keys(
    texts: Iterable[InteractionTexts],
    recipes: Iterable[DocumentRecipe] = (DEFAULT_RECIPE,),
    *,
    questions: bool = True,
    given_by: AbstractSet[str] | None = None,
) -> set[str]:
    """The content hashes of every text the embedding cache may hold for these interactions.

    `questions=False` leaves out the end users' messages: only the clustering documents, which
    also hold the complaints; `given_by` (the forms one end user's id is stored under) keeps only the
    documents that held a complaint of theirs.
    """
    recipes = tuple(dict.fromkeys(recipes))
    keys: set[str] = set()
    for interaction in texts:
        question = last_user_message(interaction.request)
        if question and questions:
            keys.add(content_hash(question))
        for complaints in complaint_states(interaction, given_by):
            judged = {choice for _, _, choice in complaints}
            answer = judged_answer(
                (choice, choice_text(interaction.response, interaction.response_text, choice)) for choice in judged
            )
            item = FeedbackItem(
                interaction_id=interaction.id,
                app=interaction.app,
                user_message=question,
                answer=answer,
                comment=_joined(comment for comment, _, _ in complaints),
                correction=_joined(correction for _, correction, _ in complaints),
                created_at=interaction.created_at,
            )
            for recipe in recipes:
                document = build_document(item, recipe)
                if document:
                    keys.add(content_hash(document))
    return keys
