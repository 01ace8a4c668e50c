"""Removal finds the texts a pass made from a complaint about one choice of an answer of several (`n` > 1).

A pass embeds, under a recipe with the answer, the text of the choice the complaints judge (not the recorded answer,
the first listed choice's); pruning and erasure rebuild those documents to delete their cache rows, and an issue's
words are judged by the texts it was made from. Both must read the judged choice's text, as the pass does.
"""

from __future__ import annotations

from choice_answers import complain, store_answer_of_choices, store_listed_out_of_order

from clustering.documents import DEFAULT_RECIPE, DocumentRecipe, build_document
from clustering.embed import content_hash
from gateway.discovery.items import load_negative_items
from gateway.privacy.cache_keys import cache_keys
from gateway.privacy.issue_texts import interaction_terms
from gateway.store.interaction_removal import texts_of

WITH_ANSWER = DocumentRecipe(include_answer=True)
TEXTS = ["Zero says yes.", "One mentions the lighthouse.", "Two says maybe."]


async def removal_texts(engine, interaction_id: str):
    async with engine.connect() as connection:
        [texts] = await texts_of(connection, [interaction_id])
    return texts


async def documents_the_pass_makes(engine) -> set[str]:
    items = (await load_negative_items(engine, "support-bot")).items
    return {content_hash(build_document(item, WITH_ANSWER)) for item in items}


async def test_the_cache_keys_hold_the_document_of_a_complaint_about_choice_1(engine):
    interaction_id = await store_answer_of_choices(engine, TEXTS, "Is it on?")
    await complain(engine, interaction_id, "ann", 1)
    made = await documents_the_pass_makes(engine)

    keys = cache_keys([await removal_texts(engine, interaction_id)], (DEFAULT_RECIPE, WITH_ANSWER))

    assert made <= keys


async def test_the_cache_keys_hold_the_document_of_choice_0_listed_second(engine):
    interaction_id = await store_listed_out_of_order(engine, TEXTS, "Is it on?", [1, 0, 2])
    await complain(engine, interaction_id, "ann", 0)
    await complain(engine, interaction_id, "bob", 2)
    made = await documents_the_pass_makes(engine)

    keys = cache_keys([await removal_texts(engine, interaction_id)], (WITH_ANSWER,))

    assert made <= keys


async def test_an_interactions_terms_hold_the_text_of_the_choice_its_feedback_judges(engine):
    interaction_id = await store_answer_of_choices(engine, TEXTS, "Is it on?")
    await complain(engine, interaction_id, "ann", 1)

    assert "lighthouse" in interaction_terms(await removal_texts(engine, interaction_id))
