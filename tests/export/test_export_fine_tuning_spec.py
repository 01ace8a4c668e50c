"""The export's chat and preference lines meet OpenAI's fine-tuning format, for traffic as apps send it (both databases).

The calls go through the gateway to the fake upstream, as an app on the openai SDK makes them:
a multi-turn chat that appends the SDK's answer message to its history (which carries the
answer's `refusal` and `annotations`), a tool call and its result, a streamed answer, unicode.
End users correct answers and a reviewer approves one; every line is checked by the validator.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fine_tuning_spec import chat_line_problems, preference_line_problems

from gateway.config import Settings

APP_KEY = "sk-fine-tuning-app"
APP = {"authorization": f"Bearer {APP_KEY}"}
SYSTEM = {"role": "system", "content": "You answer a bank's customers."}
FEE_TOOL = {
    "type": "function",
    "function": {"name": "get_fee", "parameters": {"type": "object", "properties": {"country": {"type": "string"}}}},
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No task waits for a second reviewer: one approval resolves it."""
    return settings.model_copy(update={"review_second_opinion_share": 0.0})


async def ask(client, body: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """The interaction id of a chat call through the gateway, and its first choice's message (None for a stream)."""
    response = await client.post("/v1/chat/completions", json={"model": "gpt-4o-mini", **body}, headers=APP)
    assert response.status_code == 200, response.text
    message = None if body.get("stream") else response.json()["choices"][0]["message"]
    return response.headers["x-feedgate-interaction-id"], message


async def correct(client, interaction_id: str, correction: str) -> None:
    body = {"interaction_id": interaction_id, "thumbs": "down", "correction": correction}
    response = await client.post("/v1/feedback", json=body, headers=APP)
    assert response.status_code == 201, response.text


async def approve(client, admin_headers, interaction_id: str, app: str) -> None:
    body = {"app": app, "reason": "Check the call", "interaction_ids": [interaction_id]}
    task = await client.post("/api/reviews", json=body, headers=admin_headers)
    assert task.status_code == 201, task.text
    decision = {"outcome": "approve", "reviewer": "alice"}
    decided = await client.post(f"/api/reviews/{task.json()['id']}/decision", json=decision, headers=admin_headers)
    assert decided.status_code in (200, 201), decided.text


async def multi_turn_chat(client) -> str:
    """A second turn after the SDK's first answer, appended to the history as the SDK gives it; its id."""
    history: list[dict[str, Any]] = [SYSTEM, {"role": "user", "content": "Hallo!"}]
    _, first = await ask(client, {"messages": history})
    assert first is not None and "annotations" in first  # what `messages.append(choice.message)` sends back
    history += [first, {"role": "user", "content": "Was kostet eine Überweisung nach Frankreich? 💶"}]
    second, _ = await ask(client, {"messages": history})
    return second


async def export(client, admin_headers, export_format: str) -> list[dict[str, Any]]:
    response = await client.get(f"/api/export?format={export_format}", headers=admin_headers)
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines()]


@pytest.fixture
async def walked(client, admin_headers, gateway) -> None:
    """Traffic of every shape, labelled by end users and a reviewer."""
    second_turn = await multi_turn_chat(client)
    called, call = await ask(
        client, {"messages": [SYSTEM, {"role": "user", "content": "Fee for France?"}], "tools": [FEE_TOOL]}
    )
    assert call is not None and call["tool_calls"]
    after_the_call = [
        SYSTEM,
        {"role": "user", "content": "Fee for France?"},
        call,
        {"role": "tool", "tool_call_id": call["tool_calls"][0]["id"], "content": '{"fee": "1%"}'},
    ]
    answered_the_result, _ = await ask(client, {"messages": after_the_call, "tools": [FEE_TOOL]})
    streamed, _ = await ask(client, {"messages": [{"role": "user", "content": "Stream it"}], "stream": True})
    await gateway.services.writer.flush()
    app = (await client.get(f"/api/interactions/{called}", headers=admin_headers)).json()["app"]
    await correct(client, second_turn, "Eine Überweisung nach Frankreich kostet 1 % — mindestens 2 €.")
    await correct(client, answered_the_result, "The fee for France is 1%.")
    await correct(client, streamed, "Streamed, and corrected.")
    await approve(client, admin_headers, called, app)


@pytest.mark.usefixtures("walked")
async def test_every_chat_line_is_a_valid_fine_tuning_example(client, admin_headers):
    lines = await export(client, admin_headers, "chat")

    assert len(lines) == 4
    assert {json.dumps(line): chat_line_problems(line) for line in lines if chat_line_problems(line)} == {}


@pytest.mark.usefixtures("walked")
async def test_every_preference_line_is_a_valid_pair(client, admin_headers):
    lines = await export(client, admin_headers, "preference")

    # The approved tool call makes no pair (nothing was corrected); the multi-turn chat, the text answer after the tool's
    # result (its input holds the call and the result) and the streamed answer do.
    assert len(lines) == 3
    assert {json.dumps(line): preference_line_problems(line) for line in lines if preference_line_problems(line)} == {}


async def test_a_developer_message_is_exported_as_the_system_message_the_format_takes(client, admin_headers):
    """OpenAI's fine-tuning input takes system, user, assistant, tool and function messages, not `developer`:
    the chat request's developer message, its instructions, becomes the system message it stands for."""
    instructions = {"role": "developer", "content": "You answer a bank's customers.", "name": "bank"}
    interaction_id, _ = await ask(client, {"messages": [instructions, {"role": "user", "content": "Fee for France?"}]})
    await correct(client, interaction_id, "The fee for France is 1%.")

    chat = await export(client, admin_headers, "chat")
    preference = await export(client, admin_headers, "preference")

    system = {"role": "system", "content": "You answer a bank's customers.", "name": "bank"}
    assert [chat[0]["messages"][0], preference[0]["input"]["messages"][0]] == [system, system]
    assert (chat_line_problems(chat[0]), preference_line_problems(preference[0])) == ([], [])
