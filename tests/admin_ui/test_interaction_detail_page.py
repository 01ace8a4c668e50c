"""One interaction in full: the conversation, tool calls, feedback, fixes applied and redactions."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import uuid_utils
from html_page import parse
from page_seed import APP, XSS, feedback, interaction_row, store

from gateway.accounts.records import Role
from gateway.recording.exchange import Exchange
from gateway.recording.record import build_interaction_row


async def test_the_detail_page_shows_the_conversation_tool_calls_feedback_and_fixes(browser_as, gateway):
    request = {
        "model": "gpt-test",
        "messages": [
            {"role": "system", "content": "You are helpful."},
            {"role": "user", "content": f"Weather in Paris? {XSS}"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "18 C"},
        ],
    }
    answer_calls = [{"id": "call_2", "type": "function", "function": {"name": "get_forecast", "arguments": "{}"}}]
    policies = [
        {"policy": "knowledge", "action": "replace_body", "entries": [{"id": "kb-1", "version": 2}]},
        {"policy": "prompts", "action": "pass", "arm": "canary", "version_id": "v-9"},
    ]
    [interaction_id] = await store(
        gateway,
        interaction_row(
            "unused",
            f"It is 18 C. {XSS}",
            request=request,
            tool_calls=answer_calls,
            policies=policies,
            finish_reason="tool_calls",
            ttfb_ms=80.0,
        ),
    )
    await feedback(gateway, interaction_id, comment=f"wrong {XSS}", user_id="ana")
    await feedback(gateway, interaction_id, negative=False, user_id="ana")
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get(f"/admin/interactions/{interaction_id}")

    assert response.status_code == 200
    assert "<script>alert" not in response.text
    page = parse(response.text)
    turns = page.find("section", id="conversation").find_all("div", class_="turn")
    assert [turn.find("p", class_="who").text.split()[0] for turn in turns] == ["system", "user", "assistant", "tool"]
    assert turns[1].find("pre").text == f"Weather in Paris? {XSS}"
    assert turns[2].find("code", class_="tool-name").text == "get_weather"
    assert turns[2].find("pre").text == '{"city": "Paris"}'
    assert "result of call_1" in turns[3].text
    answer = page.find("section", id="answer")
    assert answer.find("pre", class_="answer").text == f"It is 18 C. {XSS}"
    assert answer.find("div", data_tool="get_forecast") is not None
    notes = page.find("section", id="fixes-applied").find_all("tr", class_="policy-note")
    assert [note.find_all("td")[0].text for note in notes] == ["knowledge", "prompts"]
    assert '"version_id": "v-9"' in notes[1].text
    feedback_rows = page.find("section", id="feedback").find_all("tr")[1:]
    assert [row.find_all("td")[-1].text for row in feedback_rows] == ["earlier", "current"]
    assert f"wrong {XSS}" in feedback_rows[0].text
    assert page.find(data_testid="latency").text == "420 ms (first byte after 80 ms)"
    assert page.find(data_testid="tokens").text == "12 in, 30 out, 42 in all"
    assert (await viewer.get("/admin/interactions/nope")).status_code == 404


async def test_the_detail_page_says_which_redaction_rules_replaced_what(browser_as, gateway):
    [interaction_id] = await store(
        gateway,
        interaction_row("I am [redacted:email]", "Hello [redacted:email]", redactions={"email": 2, "card": 1}),
    )
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/interactions/{interaction_id}")).text)

    assert page.find(data_testid="redactions").text == "card ×1, email ×2"


async def test_a_name_a_browser_claimed_under_an_anonymous_answers_token_is_shown_as_a_claim(browser_as, gateway):
    [interaction_id] = await store(gateway, interaction_row("What is the fee?", "None."))
    await feedback(gateway, interaction_id, user_id="ceo@corp", voter="token:T1")
    await feedback(gateway, interaction_id, negative=False, user_id=None, voter="token:T1")
    await feedback(gateway, interaction_id, user_id="ann")
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/interactions/{interaction_id}")).text)

    rows = page.find("section", id="feedback").find_all("tr")[1:]
    assert [" ".join(row.find_all("td")[1].text.split()) for row in rows] == [
        "ceo@corp (named by the browser, unchecked)",
        "anonymous (the answer's feedback token)",
        "ann",
    ]


async def test_the_detail_page_shows_no_redactions_where_none_fired(browser_as, gateway):
    [interaction_id] = await store(gateway, interaction_row("Hello", "Hi"))
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/interactions/{interaction_id}")).text)

    assert page.find_all(data_testid="redactions") == []


async def test_the_detail_page_shows_a_recorded_legacy_function_call_as_the_answer(browser_as, gateway):
    # The answer to a request with the older `functions`, as the recorder stores it.
    call = {"name": "get_weather", "arguments": '{"city": "Paris"}'}
    completion = {
        "id": "chatcmpl-legacy",
        "object": "chat.completion",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": None, "function_call": call},
                "finish_reason": "function_call",
            }
        ],
    }
    exchange = Exchange(
        id=str(uuid_utils.uuid7()),
        created_at=datetime.now(UTC),
        app=APP,
        endpoint="chat.completions",
        upstream="default",
        request={"model": "gpt-test", "messages": [{"role": "user", "content": "Weather?"}], "functions": []},
        status_code=200,
        content_type="application/json",
        body_chunks=[orjson.dumps(completion)],
    )
    [interaction_id] = await store(gateway, build_interaction_row(exchange))
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/interactions/{interaction_id}")).text)

    answer = page.find("section", id="answer")
    assert answer.find("div", data_tool="get_weather") is not None
    assert '{"city": "Paris"}' in answer.text
    assert "No text." not in answer.text
