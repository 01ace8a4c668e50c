"""The suggested action: a knowledge-base entry when corrections exist, else revised instructions, with examples."""

from __future__ import annotations

from choice_answers import complain, store_answer_of_choices, store_listed_out_of_order
from review_seed import give_feedback, store_interactions

from gateway.review.records import ActionKind, Outcome, Priority, Source


async def open_for(reviews, interaction_ids, issue_id=None):
    opened = await reviews.open_or_update(
        app="support-bot",
        source=Source.SIMILAR_NEGATIVE,
        reason="5 of the 10 most similar recent answers got negative feedback",
        priority=Priority.MEDIUM,
        interaction_ids=interaction_ids,
        issue_id=issue_id,
    )
    return opened.task.task


async def test_without_corrections_the_prompt_instructions_should_change(engine, reviews):
    ids = await store_interactions(engine, 2)
    await give_feedback(engine, ids[0], comment="rude tone")

    action = (await open_for(reviews, ids)).suggested_action

    assert action.kind is ActionKind.PROMPT_INSTRUCTIONS
    assert action.label == "Revise the prompt instructions"
    assert action.corrections == ()
    assert action.examples[0].comment == "rude tone"


async def test_an_end_users_correction_suggests_a_knowledge_base_entry(engine, reviews):
    ids = await store_interactions(engine, 3)
    await give_feedback(engine, ids[0], comment="too slow")
    await give_feedback(engine, ids[1], correction="The fee is 1%.", comment="wrong fee")

    action = (await open_for(reviews, ids)).suggested_action

    assert action.kind is ActionKind.KNOWLEDGE_BASE_ENTRY
    assert action.label == "Add a knowledge-base entry"
    assert [(c.interaction_id, c.text, c.source) for c in action.corrections] == [
        (ids[1], "The fee is 1%.", "feedback")
    ]
    # The corrected interaction tells the most, then the commented one, then the rest.
    assert [e.interaction_id for e in action.examples] == [ids[1], ids[0], ids[2]]
    assert action.examples[0].question == "What is the fee? (1)"
    assert action.examples[0].answer == "The fee is 2% (1)."


async def test_a_withdrawn_correction_no_longer_counts(engine, reviews):
    ids = await store_interactions(engine, 1)
    await give_feedback(engine, ids[0], correction="The fee is 1%.")
    await give_feedback(engine, ids[0], comment="never mind, it was right")

    action = (await open_for(reviews, ids)).suggested_action

    assert action.kind is ActionKind.PROMPT_INSTRUCTIONS


async def test_an_earlier_reviewers_correction_on_the_same_issue_suggests_a_knowledge_base_entry(engine, reviews):
    ids = await store_interactions(engine, 2)
    earlier = await open_for(reviews, [ids[0]], issue_id="issue-1")
    await reviews.decide(earlier.id, "alice", Outcome.CORRECT, correction="Refunds take 5 working days.")

    action = (await open_for(reviews, [ids[1]], issue_id="issue-1")).suggested_action

    assert action.kind is ActionKind.KNOWLEDGE_BASE_ENTRY
    assert [(c.text, c.source) for c in action.corrections] == [("Refunds take 5 working days.", "review")]


async def test_an_example_shows_the_choice_its_correction_judges(engine, reviews):
    # An answer of several choices (`n` > 1): the correction is of choice 1, not of the recorded answer (choice 0's).
    judged = await store_answer_of_choices(engine, ["Zero: 2%.", "One: 3%."], "What is the fee?")
    out_of_order = await store_listed_out_of_order(engine, ["Zero: 5%.", "One: 6%."], "And abroad?", [1, 0])
    plain = await store_answer_of_choices(engine, ["Only: 4%."], "And at home?")
    await complain(engine, judged, "ann", 1, comment=None, correction="The fee is 1%.")
    await complain(engine, out_of_order, "ann", 0, comment="wrong fee")
    await complain(engine, plain, "ann", None, comment="too high")

    action = (await open_for(reviews, [judged, out_of_order, plain])).suggested_action

    assert {e.interaction_id: e.answer for e in action.examples} == {
        judged: "One: 3%.",
        out_of_order: "Zero: 5%.",
        plain: "Only: 4%.",
    }


async def test_a_reviewers_correction_redaction_took_all_of_suggests_no_knowledge_base_entry(engine, reviews):
    # Stored as redaction leaves "alice@example.com": nothing to put in an entry (gateway.review.verdicts).
    ids = await store_interactions(engine, 2)
    earlier = await open_for(reviews, [ids[0]], issue_id="issue-1")
    await reviews.decide(earlier.id, "alice", Outcome.CORRECT, correction="[redacted:email]")

    action = (await open_for(reviews, [ids[1]], issue_id="issue-1")).suggested_action

    assert (action.kind, action.corrections) == (ActionKind.PROMPT_INSTRUCTIONS, ())


async def test_an_end_users_correction_that_says_nothing_suggests_no_knowledge_base_entry(engine, reviews):
    # A lone zero-width space, stored before feedback intake took the blank-text rule.
    ids = await store_interactions(engine, 1)
    await give_feedback(engine, ids[0], correction="\u200b")

    action = (await open_for(reviews, ids)).suggested_action

    assert (action.kind, action.corrections) == (ActionKind.PROMPT_INSTRUCTIONS, ())


async def test_an_end_users_correction_redaction_took_all_of_suggests_no_knowledge_base_entry(engine, reviews):
    ids = await store_interactions(engine, 1)
    await give_feedback(engine, ids[0], correction="[redacted:phone] [redacted:email]")

    action = (await open_for(reviews, ids)).suggested_action

    assert (action.kind, action.corrections) == (ActionKind.PROMPT_INSTRUCTIONS, ())


async def test_an_end_users_correction_of_an_answer_a_standing_decision_approved_suggests_no_knowledge_base_entry(
    engine, reviews
):
    # The reviewer's approval outranks the end user (gateway.review.verdicts): the correction gives no right answer.
    ids = await store_interactions(engine, 2)
    await give_feedback(engine, ids[0], correction="The fee is 1%.", comment="wrong fee")
    approved = await open_for(reviews, [ids[0]])
    await reviews.decide(approved.id, "alice", Outcome.APPROVE)

    # As an issue holding both answers suggests (the issue page's "Preview a fix" form starts from it).
    action = await reviews.issue_suggestion("issue-1", ids)

    assert (action.kind, action.corrections) == (ActionKind.PROMPT_INSTRUCTIONS, ())
    # Its comment is still an example; the approved answer's correction is shown as none.
    first = action.examples[0]
    assert (first.interaction_id, first.comment, first.correction) == (ids[0], "wrong fee", None)


async def test_an_end_users_correction_of_an_answer_a_standing_decision_rejected_still_suggests_an_entry(
    engine, reviews
):
    ids = await store_interactions(engine, 1)
    await give_feedback(engine, ids[0], correction="The fee is 1%.")
    rejected = await open_for(reviews, ids)
    await reviews.decide(rejected.id, "alice", Outcome.REJECT)

    action = await reviews.issue_suggestion("issue-1", ids)

    assert [(c.text, c.source) for c in action.corrections] == [("The fee is 1%.", "feedback")]
