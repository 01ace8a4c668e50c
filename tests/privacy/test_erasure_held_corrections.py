"""Erasing (or pruning) a held answer's interaction before its hold ends also drops the reviewer's correction kept
exact for the waiting app; the app's poll then gets the 404 of a task that does not exist.

With redaction on, a reviewer's correction of a held answer is stored redacted, and the decided event
keeps it as written (``exact_correction``) until the app polls it or the hold ends. Here the hold still
runs when the end user is erased. The task is the confidence gate's (the held answer in its evidence),
later joined by another user's interaction (a rule's update), so it outlives the erasure; or not joined,
so it goes with the erased interaction.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest
from privacy_seed import APP
from review_copies_seed import LEVELS, User, complaining, shown
from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.documents import DEFAULT_RECIPE
from gateway.config import Settings
from gateway.privacy.erasure import erase_end_user
from gateway.privacy.redaction import redactor_for
from gateway.privacy.retention import prune_before
from gateway.proxy.credentials import CallerResolver
from gateway.review.held_answer import EXACT_CORRECTION_KEY, HELD_KEY, held_evidence
from gateway.review.held_poll import HeldAnswers
from gateway.review.records import Outcome, Priority, Source, SuggestedAction
from gateway.review.service import ReviewService
from gateway.store.review_figures import ReviewFigureStore
from gateway.store.reviews import ReviewStore

RECIPES = (DEFAULT_RECIPE,)
KEY = "sk-waiting-app"
CORRECTION = "Write to bob@example.com, he sorts out refunds."
REDACTED_CORRECTION = "Write to [redacted:email], he sorts out refunds."


async def _no_keys(_: str) -> None:
    return None


RESOLVER = CallerResolver(mode="passthrough", salt="erasure-held-salt", lookup_gateway_key=_no_keys)
GATED_APP = RESOLVER.fingerprint(KEY)


def reviews(engine: AsyncEngine) -> ReviewService:
    """The review service as the gateway builds it with redaction on."""
    return ReviewService(
        ReviewStore(engine), ReviewFigureStore(engine), LEVELS, redactor=redactor_for(Settings(redaction=True))
    )


async def corrected_while_held(engine: AsyncEngine, held: User, later: User | None) -> str:
    """The gate's task holding an answer to `held`'s question (joined by `later`'s interaction, if given),
    corrected by a reviewer while the hold runs; returns its id."""
    body = orjson.dumps({"choices": [{"message": {"content": f"HELD-ANSWER-FOR-{held.name}"}}]})
    evidence = {"confidence": None, "threshold": 0.5, "mode": "hold", "flagged": True}
    opened = await reviews(engine).open_or_update(
        app=GATED_APP,
        source=Source.FLAGGED,
        reason="Flagged",
        priority=Priority.HIGH,
        interaction_ids=(held.interaction_id,),
        evidence={**evidence, HELD_KEY: held_evidence(body, datetime.now(UTC) + timedelta(minutes=30))},
        tags=(GATED_APP, "held"),
        suggested_action=SuggestedAction.from_json({"kind": "revise_prompt_instructions"}),
    )
    assert opened is not None
    task_id = opened.task.task.id
    if later is not None:
        await reviews(engine).open_or_update(
            app=GATED_APP,
            source=Source.MANUAL,
            reason="Same answer given to another user",
            priority=Priority.HIGH,
            interaction_ids=(held.interaction_id, later.interaction_id),
            evidence={"note": "see both"},
            actor="carol",
        )
    await reviews(engine).decide(task_id, "alice-the-reviewer", Outcome.CORRECT, correction=CORRECTION)
    assert exact_corrections(await shown(engine, task_id)) == [CORRECTION]
    return task_id


def exact_corrections(blob: str) -> list[str | None]:
    """The `exact_correction` of each decided event of the task as the API shows it."""
    events = orjson.loads(blob)["events"]
    return [event["detail"].get(EXACT_CORRECTION_KEY) for event in events if event["kind"] == "decided"]


async def poll(engine: AsyncEngine, task_id: str) -> tuple[int, str, dict[str, str]]:
    """What the waiting app's poll gets: status, error code (if any) and headers."""
    answer = await HeldAnswers(reviews(engine), RESOLVER, "refuse").poll(task_id, f"Bearer {KEY}")
    body = orjson.loads(answer.body)
    return answer.status, (body.get("error") or {}).get("code", ""), answer.headers


async def test_an_erasure_drops_the_exact_correction_kept_for_the_waiting_app(engine):
    alice, bob = await complaining(engine, "alice"), await complaining(engine, "bob")
    task_id = await corrected_while_held(engine, alice, bob)

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    blob = await shown(engine, task_id)
    assert exact_corrections(blob) == [None]
    assert CORRECTION not in blob
    # The decision's hash of the held answer stays, as docs/privacy.md says; no copy of the answer does.
    assert "HELD-ANSWER-FOR-alice" not in blob and f'"{HELD_KEY}":' not in blob


async def test_the_reviewers_redacted_correction_stays_with_the_decision(engine):
    # What reviewers write stays (docs/privacy.md, "What stays"); only the exact copy kept for the app goes.
    alice, bob = await complaining(engine, "alice"), await complaining(engine, "bob")
    task_id = await corrected_while_held(engine, alice, bob)

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    detail = await reviews(engine).get(task_id)
    assert [decision.correction for decision in detail.decisions] == [REDACTED_CORRECTION]
    [decided] = [event.detail for event in detail.events if event.kind == "decided"]
    assert decided["correction"] == REDACTED_CORRECTION


async def test_erasing_another_user_of_the_task_keeps_the_exact_correction_for_the_app(engine):
    alice, bob = await complaining(engine, "alice"), await complaining(engine, "bob")
    task_id = await corrected_while_held(engine, alice, bob)

    await erase_end_user(engine, "bob", "dpo", RECIPES, via="test")

    assert exact_corrections(await shown(engine, task_id)) == [CORRECTION]
    status, _, headers = await poll(engine, task_id)
    assert (status, headers["x-feedgate-review-outcome"]) == (200, "correct")


async def test_pruning_the_held_interaction_drops_the_exact_correction_too(engine):
    now = datetime.now(UTC)
    alice = await complaining(engine, "alice", created_at=now - timedelta(days=2))
    bob = await complaining(engine, "bob", created_at=now)
    task_id = await corrected_while_held(engine, alice, bob)

    await prune_before(engine, now - timedelta(days=1))

    assert exact_corrections(await shown(engine, task_id)) == [None]


@pytest.mark.parametrize("joined", [True, False], ids=["the task stays", "the task goes"])
async def test_the_waiting_apps_poll_after_the_erasure_gets_the_404_of_a_task_that_does_not_exist(engine, joined):
    alice = await complaining(engine, "alice")
    task_id = await corrected_while_held(engine, alice, await complaining(engine, "bob") if joined else None)

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    assert await poll(engine, task_id) == (404, "review_not_found", {})
    assert await poll(engine, "no-such-task") == (404, "review_not_found", {})
    assert APP != GATED_APP
