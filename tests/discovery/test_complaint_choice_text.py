"""A complaint about one choice of an answer of several (`n` > 1) is clustered with that choice's text (both databases).

The interaction's `response_text` is the first listed choice's; a clustering pass read it for every complaint, so a
thumbs-down on choice 1 was embedded (under a recipe with the answer) with choice 0's answer. A choice number names a
choice by gateway.domain.choice_numbers' rule; a post that names none judges choice 0.
"""

from __future__ import annotations

from choice_answers import complain, store_answer_of_choices, store_listed_out_of_order

from gateway.discovery.items import load_negative_items

TEXTS = ["Zero says yes.", "One says no.", "Two says maybe."]


async def answers(engine) -> dict[str, str | None]:
    return {item.interaction_id: item.answer for item in (await load_negative_items(engine, "support-bot")).items}


async def test_a_complaint_about_choice_1_is_clustered_with_choice_1s_text(engine):
    interaction_id = await store_answer_of_choices(engine, TEXTS, "Is it on?")
    await complain(engine, interaction_id, "ann", 1)

    assert await answers(engine) == {interaction_id: "One says no."}


async def test_a_complaint_that_names_no_choice_is_clustered_with_choice_0s_text(engine):
    interaction_id = await store_answer_of_choices(engine, TEXTS, "Is it on?")
    await complain(engine, interaction_id, "ann", None)

    assert await answers(engine) == {interaction_id: "Zero says yes."}


async def test_choices_listed_out_of_order_are_named_by_their_index(engine):
    # Listed 1, 0, 2: the recorded answer (`response_text`) is choice 1's.
    interaction_id = await store_listed_out_of_order(engine, TEXTS, "Is it on?", [1, 0, 2])
    await complain(engine, interaction_id, "ann", 0)
    other_id = await store_listed_out_of_order(engine, TEXTS, "Is it off?", [1, 0, 2])
    await complain(engine, other_id, "bob", 1)

    assert await answers(engine) == {interaction_id: "Zero says yes.", other_id: "One says no."}


async def test_complaints_about_two_choices_carry_both_texts_in_choice_order(engine):
    interaction_id = await store_answer_of_choices(engine, TEXTS, "Is it on?")
    await complain(engine, interaction_id, "ann", 2)
    await complain(engine, interaction_id, "bob", 0)
    await complain(engine, interaction_id, "cy", 2)

    assert await answers(engine) == {interaction_id: "Zero says yes.\nTwo says maybe."}


async def test_a_pass_whose_documents_leave_the_answer_out_reads_no_answer(engine):
    interaction_id = await store_answer_of_choices(engine, TEXTS, "Is it on?")
    await complain(engine, interaction_id, "ann", 1)

    [item] = (await load_negative_items(engine, "support-bot", answers=False)).items

    assert (item.interaction_id, item.answer, item.comment) == (interaction_id, None, "wrong")
