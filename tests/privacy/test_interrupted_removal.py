"""An erasure or prune whose process dies part-way, then runs again, leaves no removed words in the issues.

The process's death is stood for by a step after the first removal raising: the words only the
removed texts held (keywords, titles, examples) must not depend on that step having run, since
once the rows are gone nothing else knows those words were theirs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from issue_text_seed import (
    ALICE_COMMENT,
    ALICE_QUESTION,
    BOB_COMMENT,
    BOB_QUESTION,
    KEYWORDS,
    alice_and_bob,
    complaint,
    give_feedback,
    holds_alices_words,
    issue_of,
)
from privacy_seed import issue_row
from sqlalchemy import update

from clustering.documents import DEFAULT_RECIPE
from gateway.privacy import erasure, retention
from gateway.privacy.erasure import erase_end_user
from gateway.privacy.issue_texts import IssueTextCopies
from gateway.privacy.retention import prune_before
from gateway.store.tables import issues

RECIPES = (DEFAULT_RECIPE,)
LONG_AGO = datetime.now(UTC) - timedelta(days=90)
CUTOFF = datetime.now(UTC) - timedelta(days=30)


class ProcessDied(Exception):
    """Stands for the process ending where it was raised."""


def dies(*_args: object, **_kwargs: object) -> Any:
    raise ProcessDied


# Steps a removal takes after removing rows: scrubbing the issues' words, recounting the issues.
CRASH_POINTS = {
    "words": lambda patch: patch.setattr(IssueTextCopies, "finish", dies),
    "recount": lambda patch: (
        patch.setattr(erasure, "recount_issues", dies),
        patch.setattr(retention, "recount_issues", dies),
    ),
}


async def with_examples(engine: Any, issue_id: str, alice: str, bob: str) -> None:
    """The issue's examples quote both complaints, as a clustering pass keeps them."""
    examples = [
        {"interaction_id": alice, "text": f"{ALICE_QUESTION} {ALICE_COMMENT}"},
        {"interaction_id": bob, "text": f"{BOB_QUESTION} {BOB_COMMENT}"},
    ]
    async with engine.begin() as connection:
        await connection.execute(update(issues).where(issues.c.id == issue_id).values(examples=examples))


async def dies_then_runs_again(monkeypatch: Any, crash: str, removal: Callable[[], Awaitable[object]]) -> None:
    with monkeypatch.context() as patch:
        CRASH_POINTS[crash](patch)
        with pytest.raises(ProcessDied):
            await removal()
    await removal()


def issue_words(row: dict[str, Any]) -> str:
    return " ".join([row["title"] or "", row["summary"] or "", *row["keywords"], str(row["examples"])])


@pytest.mark.parametrize("crash", sorted(CRASH_POINTS))
async def test_an_erasure_run_again_after_dying_leaves_none_of_the_users_words_in_the_issue(engine, monkeypatch, crash):
    alice, bob = await alice_and_bob(engine)
    issue_id = await issue_of(engine, [alice, bob], KEYWORDS)
    await with_examples(engine, issue_id, alice, bob)

    await dies_then_runs_again(monkeypatch, crash, lambda: erase_end_user(engine, "alice", "dpo", RECIPES, via="t"))

    assert not holds_alices_words(issue_words(await issue_row(engine, issue_id)))


@pytest.mark.parametrize("crash", sorted(CRASH_POINTS))
async def test_a_prune_run_again_after_dying_leaves_none_of_the_pruned_words_in_the_issue(engine, monkeypatch, crash):
    alice, bob = await alice_and_bob(engine, alice_at=LONG_AGO)
    issue_id = await issue_of(engine, [alice, bob], KEYWORDS)
    await with_examples(engine, issue_id, alice, bob)

    await dies_then_runs_again(monkeypatch, crash, lambda: prune_before(engine, CUTOFF, recipes=RECIPES))

    assert not holds_alices_words(issue_words(await issue_row(engine, issue_id)))


@pytest.mark.parametrize("crash", sorted(CRASH_POINTS))
async def test_an_erasure_of_feedback_on_others_answers_run_again_after_dying_leaves_none_of_its_words(
    engine, monkeypatch, crash
):
    bob = await complaint(engine, "bob", BOB_QUESTION, BOB_COMMENT)
    await give_feedback(engine, bob, "alice", "same here, card 4111 at the Elm Street branch")
    issue_id = await issue_of(engine, [bob], ["card", "double charge", "4111", "elm street"])

    await dies_then_runs_again(monkeypatch, crash, lambda: erase_end_user(engine, "alice", "dpo", RECIPES, via="t"))

    assert not holds_alices_words(issue_words(await issue_row(engine, issue_id)))
