"""A fix previewed on an app whose model answers with tool calls: the calls before and after, side by side."""

from __future__ import annotations

import orjson
from effect_seed import make_issue
from preview_seed import ENTRY, PASS_KEY

TOOLS = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {}}}}]


def arguments(calls: list[dict]) -> list[dict]:
    """The arguments each chat tool call was made with."""
    return [orjson.loads(call["function"]["arguments"]) for call in calls]


async def test_a_tool_call_answer_is_previewed_with_the_calls_it_made_and_would_make(
    gateway, client, admin_headers, gateway_embedder
):
    # The fake model calls the app's tool with its answer as the input: wrong before the fix, right after it.
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "What is the transfer fee?"}]}
    answered = await client.post("/v1/chat/completions", json={**body, "tools": TOOLS}, headers=PASS_KEY)
    interaction_id = answered.headers["x-feedgate-interaction-id"]
    await gateway.services.writer.flush()
    app = (await gateway.services.interactions.get(interaction_id))["app"]
    issue_id = await make_issue(gateway.services.engine, [interaction_id], "Transfer fee", app=app)

    created = await client.post(f"/api/issues/{issue_id}/previews", json=ENTRY, headers=admin_headers)

    assert created.status_code == 201, created.text
    [item] = created.json()["items"]
    assert (item["status"], item["original_answer"], item["new_answer"]) == ("replayed", None, None)
    assert arguments(item["original_tool_calls"]) == [{"input": "There is no fee."}]
    assert arguments(item["new_tool_calls"]) == [{"input": "The transfer fee is 1%."}]
