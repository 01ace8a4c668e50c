"""A fix previewed on an app whose model answers with tool calls: the calls before and after, side by side."""

from __future__ import annotations

import orjson
from effect_seed import make_issue
from html_page import parse
from preview_seed import ENTRY, KNOWLEDGE_FORM, PASS_KEY, preview_of

from gateway.accounts.records import Role

TOOLS = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {}}}}]


def arguments(calls: list[dict]) -> list[dict]:
    """The arguments each chat tool call was made with."""
    return [orjson.loads(call["function"]["arguments"]) for call in calls]


async def tool_call_issue(gateway, client) -> str:
    """An issue holding one answer made by a tool call; its id.

    The fake model calls the app's tool with its answer as the input: wrong before the fix, right after it.
    """
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "What is the transfer fee?"}]}
    answered = await client.post("/v1/chat/completions", json={**body, "tools": TOOLS}, headers=PASS_KEY)
    interaction_id = answered.headers["x-feedgate-interaction-id"]
    await gateway.services.writer.flush()
    app = (await gateway.services.interactions.get(interaction_id))["app"]
    return await make_issue(gateway.services.engine, [interaction_id], "Transfer fee", app=app)


async def test_a_tool_call_answer_is_previewed_with_the_calls_it_made_and_would_make(
    gateway, client, admin_headers, gateway_embedder
):
    issue_id = await tool_call_issue(gateway, client)

    created = await client.post(f"/api/issues/{issue_id}/previews", json=ENTRY, headers=admin_headers)

    assert created.status_code == 201, created.text
    [item] = created.json()["items"]
    assert (item["status"], item["original_answer"], item["new_answer"]) == ("replayed", None, None)
    assert arguments(item["original_tool_calls"]) == [{"input": "There is no fee."}]
    assert arguments(item["new_tool_calls"]) == [{"input": "The transfer fee is 1%."}]


async def test_the_preview_page_shows_each_sides_tool_calls_by_name_and_arguments(
    gateway, client, signed_in_as, gateway_embedder
):
    issue_id = await tool_call_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)

    page = parse((await reviewer.get(await preview_of(reviewer, issue_id, **KNOWLEDGE_FORM))).text)

    item = page.find("section", data_testid="preview-item")
    got, new = item.find(data_part="answer-got"), item.find(data_part="new-answer")
    assert [orjson.loads(call.find("pre").text) for call in got.find_all("div", data_tool="lookup")] == [
        {"input": "There is no fee."}
    ]
    assert [orjson.loads(call.find("pre").text) for call in new.find_all("div", data_tool="lookup")] == [
        {"input": "The transfer fee is 1%."}
    ]
