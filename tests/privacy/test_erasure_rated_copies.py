"""An end user who only complained about other users' answers: erasing them leaves no copy of their words, and
the answers left without a complaint leave their issues.

The issue of their complaints quotes their comment in its examples (clustering documents: comment and
question), its fix preview quotes their correction, and its review task quotes both in its evidence,
suggested action and "opened" event; all of those go with the feedback.
"""

from __future__ import annotations

from issue_text_seed import give_feedback, issue_task_quoting
from privacy_seed import issue_row
from rated_seed import (
    COMMENT,
    CORRECTION,
    VICTIM,
    examples_text,
    holds_victim_words,
    members_of,
    points_of,
    preview_text,
    task_copies,
    walrus_issue,
)
from review_copies_seed import User, complaining, quoted, shown

from clustering.documents import DEFAULT_RECIPE
from gateway.privacy.erasure import erase_end_user

RECIPES = (DEFAULT_RECIPE,)


async def test_issue_examples_keep_no_copy_of_the_erased_users_comment_on_other_users_answers(engine):
    walrus = await walrus_issue(engine)
    assert COMMENT in await examples_text(engine, walrus.issue_id)

    await erase_end_user(engine, VICTIM, "dpo", RECIPES, via="test")

    assert not holds_victim_words(await examples_text(engine, walrus.issue_id))


async def test_the_issue_task_keeps_no_copy_of_the_erased_users_comment_in_evidence_action_or_opened_event(engine):
    walrus = await walrus_issue(engine)
    assert all(COMMENT in text for text in (await task_copies(engine, walrus.task_id)).values())

    await erase_end_user(engine, VICTIM, "dpo", RECIPES, via="test")

    copies = await task_copies(engine, walrus.task_id)
    assert {kind: holds_victim_words(text) for kind, text in copies.items()} == dict.fromkeys(copies, False)


async def test_fix_preview_items_keep_no_copy_of_the_erased_users_correction(engine):
    walrus = await walrus_issue(engine, correction=CORRECTION)
    assert CORRECTION in await preview_text(engine, walrus.issue_id)

    await erase_end_user(engine, VICTIM, "dpo", RECIPES, via="test")

    assert not holds_victim_words(await preview_text(engine, walrus.issue_id))


async def test_answers_left_without_a_complaint_leave_the_issue_with_their_map_and_umap_points(engine):
    walrus = await walrus_issue(engine)

    await erase_end_user(engine, VICTIM, "dpo", RECIPES, via="test")

    assert await members_of(engine, walrus.issue_id) == set()
    assert await points_of(engine, walrus.rated) == {"feedback_map_points": 0, "reduction_points": 0}


async def test_an_issue_whose_complaints_were_all_the_erased_users_is_recounted_to_nothing(engine):
    walrus = await walrus_issue(engine)

    await erase_end_user(engine, VICTIM, "dpo", RECIPES, via="test")

    row = await issue_row(engine, walrus.issue_id)
    assert (row["size"], row["negative_count"]) == (0, 0)


async def test_an_answer_another_user_also_complained_about_stays_a_member_and_counts(engine):
    seeded = await walrus_issue(engine, bob_on=1)

    await erase_end_user(engine, VICTIM, "dpo", RECIPES, via="test")

    row = await issue_row(engine, seeded.issue_id)
    assert await members_of(engine, seeded.issue_id) == {seeded.rated[1]}
    assert (row["size"], row["negative_count"]) == (1, 1)


async def test_a_task_quoting_an_answer_it_never_held_keeps_no_copy_of_the_erased_users_comment(engine):
    bob, carol = await complaining(engine, "bob"), await complaining(engine, "carol")
    await give_feedback(engine, bob.interaction_id, VICTIM, COMMENT)
    # The issue's example of bob's answer is its clustering document: both voices' comments and the question.
    as_clustered = User("bob", bob.interaction_id)
    as_clustered.comment = f"{bob.comment}\n{COMMENT}"
    task_id = await issue_task_quoting(engine, as_clustered, carol)
    assert COMMENT in await shown(engine, task_id)

    await erase_end_user(engine, VICTIM, "dpo", RECIPES, via="test")

    assert COMMENT not in await shown(engine, task_id)
    assert quoted(await shown(engine, task_id), carol) == dict.fromkeys(carol.texts, True)
