"""The three injection modes, with and without the app's own system message, on chat and Responses requests."""

from __future__ import annotations

import copy

import pytest

from gateway.knowledge.injection import with_reference
from gateway.prompts.injection import inject_chat, inject_responses

OURS = {"role": "system", "content": "Fees are 1%."}
APP_SYSTEM = {"role": "system", "content": "You are a bank assistant."}
USER = {"role": "user", "content": "What is the fee?"}


def chat(*messages):
    return {"model": "gpt-4o-mini", "messages": list(messages), "temperature": 0}


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("prepend", [OURS, APP_SYSTEM, USER]),
        ("append", [APP_SYSTEM, OURS, USER]),
        ("replace", [OURS, USER]),
    ],
)
def test_chat_with_an_app_system_message(mode, expected):
    body = chat(APP_SYSTEM, USER)
    sent = copy.deepcopy(body)

    injected = inject_chat(body, "Fees are 1%.", mode)

    assert injected["messages"] == expected
    assert injected["temperature"] == 0 and injected["model"] == "gpt-4o-mini"
    assert body == sent  # the app's request, as recorded, is never changed


@pytest.mark.parametrize("mode", ["prepend", "append", "replace"])
def test_chat_without_an_app_system_message_gets_ours_first(mode):
    injected = inject_chat(chat(USER), "Fees are 1%.", mode)

    assert injected["messages"] == [OURS, USER]


def test_append_goes_after_every_system_message_and_replace_removes_them_all():
    developer = {"role": "developer", "content": "Be brief."}
    assistant = {"role": "assistant", "content": "Hello"}
    body = chat(APP_SYSTEM, developer, USER, assistant)
    # Ours takes the role of the app's last instruction message, as a knowledge entry's message does.
    ours = {**OURS, "role": "developer"}

    assert inject_chat(body, "Fees are 1%.", "append")["messages"] == [APP_SYSTEM, developer, ours, USER, assistant]
    assert inject_chat(body, "Fees are 1%.", "replace")["messages"] == [ours, USER, assistant]
    assert inject_chat(body, "Fees are 1%.", "prepend")["messages"] == [ours, APP_SYSTEM, developer, USER, assistant]


@pytest.mark.parametrize("mode", ["prepend", "append", "replace"])
def test_an_app_on_developer_messages_gets_ours_as_a_developer_message_as_knowledge_does(mode):
    # Sent as "system" beside the app's developer messages while knowledge used "developer": two roles in one
    # request, and a model that takes only developer messages was sent a system one.
    developer = {"role": "developer", "content": "Be brief."}
    body = chat(developer, USER)

    injected = inject_chat(body, "Fees are 1%.", mode)["messages"]
    referenced = with_reference(body, "chat.completions", "REF")

    assert [message["role"] for message in injected if message.get("content") == "Fees are 1%."] == ["developer"]
    assert referenced is not None and referenced["messages"][1] == {"role": "developer", "content": "REF"}


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("prepend", "Fees are 1%.\n\nYou are a bank assistant."),
        ("append", "You are a bank assistant.\n\nFees are 1%."),
        ("replace", "Fees are 1%."),
    ],
)
def test_responses_with_app_instructions(mode, expected):
    body = {"model": "gpt-4o-mini", "input": "What is the fee?", "instructions": "You are a bank assistant."}

    injected = inject_responses(body, "Fees are 1%.", mode)

    assert injected["instructions"] == expected
    assert injected["input"] == "What is the fee?"
    assert body["instructions"] == "You are a bank assistant."


@pytest.mark.parametrize("mode", ["prepend", "append", "replace"])
def test_responses_without_instructions(mode):
    body = {"model": "gpt-4o-mini", "input": [{"role": "user", "content": "What is the fee?"}]}

    injected = inject_responses(body, "Fees are 1%.", mode)

    assert injected["instructions"] == "Fees are 1%."
    assert "instructions" not in body
