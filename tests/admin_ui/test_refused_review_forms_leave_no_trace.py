"""The task page's fix and decision forms, refused, leave the task as it was (its claim, events, audit chain, fixes),
as the API's refusals do (tests/review/test_refused_fix_leaves_no_trace.py)."""

from __future__ import annotations

import pytest
from html_page import csrf_token_of
from page_seed import interaction_row, store, task
from task_trace import task_trace

from gateway.accounts.records import Role
from gateway.config import Settings

REFUSED_FORMS = {
    "second-canary": ("fix/prompt", {"text": "Fees are 1%.", "message": "fee", "rollout": "canary", "canary_percent": "10"}, 409),
    "bad-canary-share": ("fix/prompt", {"text": "Fees are 1%.", "message": "fee", "rollout": "canary", "canary_percent": "x"}, 400),
    "entry-without-content": ("fix/knowledge", {"title": "Fees"}, 400),
    "choice-the-answer-has-not": ("fix/knowledge", {"title": "Fees", "content": "1%", "choice": "3"}, 422),
    "link-of-no-fix": ("fix/linked", {"link_id": "no-such-link"}, 400),
    "correct-without-correction": ("decide", {"outcome": "correct"}, 400),
    "decision-choice-the-answer-has-not": ("decide", {"outcome": "reject", "choice": "3"}, 422),
}  # fmt: skip


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second opinions: one decision resolves a task, whatever its id hashes to."""
    return settings.model_copy(update={"review_second_opinion_share": 0.0})


@pytest.mark.parametrize("claimed", [False, True], ids=["open", "claimed-by-the-reviewer"])
@pytest.mark.parametrize("refusal", list(REFUSED_FORMS))
async def test_a_refused_task_form_leaves_the_task_as_it_was(browser_as, gateway, refusal, claimed):
    action, fields, status = REFUSED_FORMS[refusal]
    ids = await store(gateway, interaction_row("What is the fee?", "2%"))
    task_id = await task(gateway, ids)
    await gateway.services.prompts.service.publish("support-bot", "Be brief.", "try", "carol", canary_share=0.2)
    reviewer = await browser_as("rita", Role.REVIEWER)
    if claimed:
        await gateway.services.reviews.claim(task_id, "rita")
    token = csrf_token_of((await reviewer.get(f"/admin/reviews/{task_id}")).text)
    before = await task_trace(gateway.services.engine, task_id)

    response = await reviewer.post(f"/admin/reviews/{task_id}/{action}", data={"csrf_token": token, **fields})

    assert response.status_code == status, response.text
    assert await task_trace(gateway.services.engine, task_id) == before
