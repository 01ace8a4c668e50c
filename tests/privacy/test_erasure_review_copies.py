"""A review task that outlives an erasure keeps no copy of the erased user's texts or ids; other users' entries stay.

The tasks are written by the real rules and the real review service (suggested action from the
interactions' feedback, evidence, "opened"/"updated" events with their copy of the evidence),
and read back as the API renders them (review_copies_seed).
"""

from __future__ import annotations

from typing import Any

import orjson
from review_copies_seed import complaining, held_task, issue_task, quoted, reviews, shown, similar_negative_task

from clustering.documents import DEFAULT_RECIPE
from gateway.api.review_json import task_detail_json
from gateway.privacy.erasure import erase_end_user
from gateway.review.held_answer import HELD_KEY

RECIPES = (DEFAULT_RECIPE,)


def sent_detail(detail: Any) -> Any:
    """The task as GET /api/reviews/{id} sends it (its events are records the encoder writes)."""
    return orjson.loads(orjson.dumps(task_detail_json(detail)))


async def test_an_issue_task_keeps_no_copy_of_the_erased_users_question_comment_correction_or_id(engine):
    alice, bob = await complaining(engine, "alice"), await complaining(engine, "bob")
    task_id = await issue_task(engine, alice, bob)
    assert quoted(await shown(engine, task_id), alice) == dict.fromkeys(alice.texts, True)

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    assert quoted(await shown(engine, task_id), alice) == dict.fromkeys(alice.texts, False)


async def test_an_issue_task_keeps_the_other_users_entries_after_an_erasure(engine):
    alice, bob = await complaining(engine, "alice"), await complaining(engine, "bob")
    task_id = await issue_task(engine, alice, bob)
    before = sent_detail(await reviews(engine).get(task_id))

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    after = sent_detail(await reviews(engine).get(task_id))
    assert quoted(orjson.dumps(after).decode(), bob) == dict.fromkeys(bob.texts, True)
    action = before["suggested_action"]
    assert after["suggested_action"]["corrections"] == [
        c for c in action["corrections"] if c["interaction_id"] == bob.interaction_id
    ]
    assert after["suggested_action"]["examples"] == [
        e for e in action["examples"] if e["interaction_id"] == bob.interaction_id
    ]
    assert [e["interaction_id"] for e in after["evidence"]["issue"]["examples"]] == [bob.interaction_id]
    opened = [event for event in after["events"] if event["kind"] == "opened"]
    assert [e["interaction_id"] for e in opened[0]["detail"]["evidence"]["issue"]["examples"]] == [bob.interaction_id]


async def test_a_suggestion_left_without_corrections_suggests_revising_the_prompt(engine):
    alice, bob = await complaining(engine, "alice"), await complaining(engine, "bob", corrects=False)
    task_id = await issue_task(engine, alice, bob)
    assert (await reviews(engine).get(task_id)).task.suggested_action.kind.value == "add_knowledge_base_entry"

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    action = sent_detail(await reviews(engine).get(task_id))["suggested_action"]
    assert (action["kind"], action["corrections"]) == ("revise_prompt_instructions", [])
    assert [e["comment"] for e in action["examples"]] == [bob.comment]


async def test_a_similar_negative_task_loses_the_erased_neighbour_and_keeps_the_others(engine):
    alice, bob, carol, dave, eve = [await complaining(engine, n) for n in ("alice", "bob", "carol", "dave", "eve")]
    task_id = await similar_negative_task(engine, bob, alice, carol, dave, eve)

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    after = sent_detail(await reviews(engine).get(task_id))
    assert quoted(orjson.dumps(after).decode(), alice) == dict.fromkeys(alice.texts, False)
    neighbours = [n["interaction_id"] for n in after["evidence"]["neighbours"] if n["negative"]]
    assert neighbours == [carol.interaction_id, dave.interaction_id, eve.interaction_id]
    assert len(after["evidence"]["neighbours"]) == 9
    assert after["evidence"]["interaction_id"] == bob.interaction_id


async def test_a_similar_negative_task_about_the_erased_interaction_drops_its_evidence(engine):
    alice, bob, carol, dave = [await complaining(engine, n) for n in ("alice", "bob", "carol", "dave")]
    task_id = await similar_negative_task(engine, alice, bob, carol, dave, await complaining(engine, "eve"))

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    after = sent_detail(await reviews(engine).get(task_id))
    assert after["interaction_ids"] and alice.interaction_id not in after["interaction_ids"]
    assert after["evidence"] is None
    assert [e["detail"]["evidence"] for e in after["events"] if e["kind"] == "opened"] == [None]
    assert quoted(orjson.dumps(after).decode(), alice) == dict.fromkeys(alice.texts, False)


async def test_a_held_answer_goes_with_the_erased_user_it_was_held_for(engine):
    alice, bob = await complaining(engine, "alice"), await complaining(engine, "bob")
    task_id = await held_task(engine, alice, bob)
    assert "HELD-ANSWER-FOR-alice" in await shown(engine, task_id)

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    blob = await shown(engine, task_id)
    assert "HELD-ANSWER-FOR-alice" not in blob
    assert HELD_KEY not in blob


async def test_a_held_answer_stays_when_another_user_of_the_task_is_erased(engine):
    alice, bob = await complaining(engine, "alice"), await complaining(engine, "bob")
    task_id = await held_task(engine, alice, bob)

    await erase_end_user(engine, "bob", "dpo", RECIPES, via="test")

    detail = await reviews(engine).get(task_id)
    assert detail.task.evidence[HELD_KEY]["body"].count("HELD-ANSWER-FOR-alice") == 1
    assert quoted(await shown(engine, task_id), bob) == dict.fromkeys(bob.texts, False)
