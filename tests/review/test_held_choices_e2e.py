"""A held answer of `n` choices, approved or corrected naming a later choice, end to end (the real openai SDK).

The reviewer's `choice` is the label the export reads; what the waiting app gets is as for any held
answer: an approval releases the whole held completion (every choice, as held), a correction gives
the completion carrying the correction as its one message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from openai.types.chat import ChatCompletion
from test_confidence_gate_e2e import ADMIN, KEY, LOW, SALT, app_of, hold, sdk

from gateway.config import Settings
from gateway.config_entries import ReviewGate


@pytest.fixture
def held_gateway(settings: Settings, start_gateway: Callable[..., Any]) -> Any:
    gate = ReviewGate(app=app_of(KEY), mode="hold")
    update = {"key_salt": SALT, "review_gates": [gate], "review_second_opinion_share": 0.0}
    return start_gateway(settings.model_copy(update=update))


def decide(gateway: Any, task_id: str, **body: Any) -> dict[str, Any]:
    response = httpx.post(
        f"{gateway.origin}/api/reviews/{task_id}/decision", json={"reviewer": "alice", **body}, headers=ADMIN
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_approving_a_later_choice_releases_the_whole_held_answer(held_gateway):
    client = sdk(held_gateway)
    status, pending, _ = hold(client, LOW, n=3)
    assert status == 202

    task = decide(held_gateway, pending["task_id"], outcome="approve", choice=2)
    released = client.get(f"/reviews/{pending['task_id']}", cast_to=ChatCompletion)

    assert [d["choice"] for d in task["decisions"]] == [2]
    record = held_gateway.interaction(pending["interaction_id"])
    held = [c["message"]["content"] for c in record["response"]["choices"]]
    assert len(held) == 3
    assert [c.message.content for c in released.choices] == held


def test_correcting_a_later_choice_gives_the_app_the_correction(held_gateway):
    client = sdk(held_gateway)
    _, pending, _ = hold(client, LOW, n=3)

    decide(held_gateway, pending["task_id"], outcome="correct", correction="The fee is 1%.", choice=1)
    corrected = client.get(f"/reviews/{pending['task_id']}", cast_to=ChatCompletion)

    assert [c.message.content for c in corrected.choices] == ["The fee is 1%."]
