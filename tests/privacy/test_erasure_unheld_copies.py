"""A review task that quoted an erased interaction it never held (another task held it) keeps no copy of it.

An interaction is held by one task at most, but the issue rule asks for every member of the issue
and builds the suggested action and evidence from all of them, so the issue's task quotes
complaints a flagged task already holds.
"""

from __future__ import annotations

from issue_text_seed import issue_task_quoting
from review_copies_seed import complaining, quoted, reviews, shown

from clustering.documents import DEFAULT_RECIPE
from gateway.privacy.erasure import erase_end_user

RECIPES = (DEFAULT_RECIPE,)


async def test_an_issue_task_keeps_no_copy_of_an_erased_complaint_another_task_held(engine):
    alice, bob = await complaining(engine, "alice"), await complaining(engine, "bob")
    task_id = await issue_task_quoting(engine, alice, bob)
    assert alice.interaction_id not in (await reviews(engine).get(task_id)).interaction_ids
    assert quoted(await shown(engine, task_id), alice) == dict.fromkeys(alice.texts, True)

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    assert quoted(await shown(engine, task_id), alice) == dict.fromkeys(alice.texts, False)


async def test_an_issue_task_keeps_the_other_users_entries_when_an_unheld_complaint_is_erased(engine):
    alice, bob = await complaining(engine, "alice"), await complaining(engine, "bob")
    task_id = await issue_task_quoting(engine, alice, bob)

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    assert quoted(await shown(engine, task_id), bob) == dict.fromkeys(bob.texts, True)


async def test_erase_counts_the_tasks_it_scrubbed_without_their_holding_the_users_interactions(engine):
    alice, bob = await complaining(engine, "alice"), await complaining(engine, "bob")
    await issue_task_quoting(engine, alice, bob)

    report = await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    assert report.counts.tasks_scrubbed == 1
