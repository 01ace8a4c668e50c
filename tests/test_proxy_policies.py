"""The proxy's decide step: request policies may pass, replace the body or hold, and observe answers."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
import orjson
import pytest
import respx

from gateway.config_entries import Upstream
from gateway.proxy.credentials import CallerResolver
from gateway.proxy.forward import ProxyApp
from gateway.proxy.policy import (
    PASS,
    AfterResult,
    Decision,
    Hold,
    Pass,
    PolicyAnswer,
    PolicyRequest,
    ReplaceAnswer,
    ReplaceBody,
    Resend,
)
from gateway.proxy.routing import UpstreamRouter
from gateway.proxy.upstream import HttpxUpstream

UPSTREAM = "https://llm.example/v1"
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
COMPLETION = {"id": "chatcmpl-1", "choices": [{"index": 0, "message": {"role": "assistant", "content": "hello"}}]}
STREAM = (
    b'data: {"id":"chatcmpl-2","choices":[{"index":0,"delta":{"content":"hel"}}]}\n\n'
    b'data: {"id":"chatcmpl-2","choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}]}\n\n'
    b"data: [DONE]\n\n"
)


@dataclass
class ScriptedPolicy:
    """A policy for one app that answers with the decisions it is given, and remembers what it saw."""

    name: str = "scripted"
    app: str | None = None  # None: every app
    before_decision: Decision = PASS
    after_result: AfterResult = None
    fail: bool = False
    seen_answers: list[PolicyAnswer] = field(default_factory=list)

    def applies_to(self, app: str, endpoint: str) -> bool:
        return self.app is None or app == self.app

    async def before(self, request: PolicyRequest) -> Decision:
        if self.fail:
            raise RuntimeError("store unreachable")
        return self.before_decision

    async def after(self, request: PolicyRequest, answer: PolicyAnswer) -> AfterResult:
        self.seen_answers.append(answer)
        return self.after_result


async def no_gateway_keys(_: str) -> None:
    return None


@pytest.fixture
def policies() -> list[ScriptedPolicy]:
    return []


@pytest.fixture
async def proxy_client(submitted, policies):
    upstream = HttpxUpstream(httpx.AsyncHTTPTransport(), connect_timeout=5.0, read_timeout=5.0)
    resolver = CallerResolver(mode="passthrough", salt="s", lookup_gateway_key=no_gateway_keys)
    proxy = ProxyApp(
        router=UpstreamRouter([Upstream(name="default", url=UPSTREAM)]),
        resolver=resolver,
        client=upstream,
        submit=submitted.append,
        upstream_authorization={"default": None},
        max_request_bytes=1 << 20,
        policies=policies,
    )
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=proxy), base_url="http://gw") as client:
            client.app_of = resolver.fingerprint  # type: ignore[attr-defined]
            yield client
    finally:
        await upstream.aclose()


def bearer(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}", "content-type": "application/json"}


@respx.mock
async def test_an_app_no_policy_claims_sends_its_bytes_untouched(proxy_client, policies, submitted):
    policies.append(ScriptedPolicy(app=proxy_client.app_of("sk-other"), before_decision=ReplaceBody({"model": "x"})))
    route = respx.post(f"{UPSTREAM}/chat/completions").mock(return_value=httpx.Response(200, json=COMPLETION))
    body = b'{"model":  "gpt-4o-mini", "messages": [{"role": "user", "content": "spaced  out"}]}'

    await proxy_client.post("/v1/chat/completions", content=body, headers=bearer("sk-mine"))

    assert route.calls.last.request.content == body
    assert submitted[0].policies is None


@respx.mock
async def test_a_passing_policy_leaves_the_bytes_untouched(proxy_client, policies):
    policies.append(ScriptedPolicy(before_decision=Pass()))
    route = respx.post(f"{UPSTREAM}/chat/completions").mock(return_value=httpx.Response(200, json=COMPLETION))
    body = b'{"model":  "gpt-4o-mini", "messages": []}'

    await proxy_client.post("/v1/chat/completions", content=body, headers=bearer("sk-mine"))

    assert route.calls.last.request.content == body


@respx.mock
async def test_a_replaced_body_goes_upstream_and_the_original_is_recorded(proxy_client, policies, submitted):
    shaped = {**CHAT, "messages": [{"role": "system", "content": "Fees are 1%."}, *CHAT["messages"]]}
    policies.append(ScriptedPolicy(name="knowledge", before_decision=ReplaceBody(shaped, note={"entries": ["kb-1"]})))
    route = respx.post(f"{UPSTREAM}/chat/completions").mock(return_value=httpx.Response(200, json=COMPLETION))

    response = await proxy_client.post("/v1/chat/completions", json=CHAT, headers=bearer("sk-mine"))

    assert response.json() == COMPLETION
    assert orjson.loads(route.calls.last.request.content) == shaped
    assert submitted[0].request == CHAT
    assert submitted[0].policies == [{"policy": "knowledge", "action": "replace_body", "entries": ["kb-1"]}]


@respx.mock
async def test_each_policy_sees_the_body_the_previous_one_made(proxy_client, policies):
    first = {**CHAT, "temperature": 0}
    seen: list[dict] = []

    class Recorder(ScriptedPolicy):
        async def before(self, request: PolicyRequest) -> Decision:
            seen.append(request.json)
            return PASS

    policies.extend([ScriptedPolicy(before_decision=ReplaceBody(first)), Recorder(name="second")])
    respx.post(f"{UPSTREAM}/chat/completions").mock(return_value=httpx.Response(200, json=COMPLETION))

    await proxy_client.post("/v1/chat/completions", json=CHAT, headers=bearer("sk-mine"))

    assert seen == [first]


@respx.mock
async def test_a_hold_before_answers_without_calling_the_upstream(proxy_client, policies, submitted):
    pending = {"status": "pending_review", "task_id": "t-1"}
    policies.append(ScriptedPolicy(name="gate", before_decision=Hold(202, pending, note={"reason": "flagged"})))
    route = respx.post(f"{UPSTREAM}/chat/completions").mock(return_value=httpx.Response(200, json=COMPLETION))

    response = await proxy_client.post("/v1/chat/completions", json=CHAT, headers=bearer("sk-mine"))

    assert response.status_code == 202
    assert response.json() == pending
    assert response.headers["x-feedgate-interaction-id"] == submitted[0].id
    assert not route.called
    assert submitted[0].status_code == 202
    assert submitted[0].policies == [{"policy": "gate", "action": "hold", "reason": "flagged"}]


@respx.mock
async def test_a_hold_after_replaces_the_answer_and_the_real_answer_is_recorded(proxy_client, policies, submitted):
    pending = {"status": "pending_review"}
    policy = ScriptedPolicy(name="gate", after_result=Hold(202, pending))
    policies.append(policy)
    respx.post(f"{UPSTREAM}/chat/completions").mock(return_value=httpx.Response(200, json=COMPLETION))

    response = await proxy_client.post("/v1/chat/completions", json=CHAT, headers=bearer("sk-mine"))

    assert response.status_code == 202
    assert response.json() == pending
    assert orjson.loads(policy.seen_answers[0].body) == COMPLETION
    assert orjson.loads(b"".join(submitted[0].body_chunks)) == COMPLETION
    assert submitted[0].status_code == 200
    assert submitted[0].policies == [{"policy": "gate", "action": "hold"}]


@pytest.mark.parametrize("held", ["before", "after"])
@respx.mock
async def test_a_held_answer_can_be_read_by_the_page_that_made_the_call(proxy_client, policies, held):
    # The gateway's own answer: without CORS headers, a browser page saw "Failed to fetch", not the hold.
    hold = Hold(202, {"status": "pending_review"})
    policies.append(ScriptedPolicy(**({"before_decision": hold} if held == "before" else {"after_result": hold})))
    respx.post(f"{UPSTREAM}/chat/completions").mock(return_value=httpx.Response(200, json=COMPLETION))
    headers = {**bearer("sk-mine"), "origin": "https://app.example"}

    response = await proxy_client.post("/v1/chat/completions", json=CHAT, headers=headers)

    assert (response.status_code, response.headers.get("access-control-allow-origin")) == (202, "https://app.example")


@respx.mock
async def test_a_replaced_answer_goes_out_with_its_own_length_and_the_upstream_answer_is_recorded(
    proxy_client, policies, submitted
):
    shown = orjson.dumps({**COMPLETION, "note": "trimmed"})
    first = ScriptedPolicy(name="gate", after_result=ReplaceAnswer(shown, note={"confidence": 0.9}))
    second = ScriptedPolicy(name="observer")
    policies.extend([first, second])
    upstream_body = orjson.dumps({**COMPLETION, "padding": "x" * 100})
    respx.post(f"{UPSTREAM}/chat/completions").mock(
        return_value=httpx.Response(
            200,
            content=upstream_body,
            headers={
                "content-type": "application/json",
                "content-length": str(len(upstream_body)),
                "x-request-id": "r1",
            },
        )
    )

    response = await proxy_client.post("/v1/chat/completions", json=CHAT, headers=bearer("sk-mine"))

    assert response.status_code == 200
    assert response.content == shown
    assert response.headers.get_list("content-length") == [str(len(shown))]
    assert response.headers["x-request-id"] == "r1"
    assert second.seen_answers[0].body == shown
    assert b"".join(submitted[0].body_chunks) == upstream_body
    assert submitted[0].policies == [{"policy": "gate", "action": "replace_answer", "confidence": 0.9}]


@respx.mock
async def test_a_stream_is_observed_whole_but_never_held(proxy_client, policies, submitted):
    policy = ScriptedPolicy(name="gate", after_result=Hold(202, {"status": "pending_review"}))
    policies.append(policy)
    respx.post(f"{UPSTREAM}/chat/completions").mock(
        return_value=httpx.Response(200, content=STREAM, headers={"content-type": "text/event-stream"})
    )

    response = await proxy_client.post("/v1/chat/completions", json={**CHAT, "stream": True}, headers=bearer("sk-mine"))

    assert response.status_code == 200
    assert response.content == STREAM
    assert policy.seen_answers[0].body == STREAM and policy.seen_answers[0].stream
    assert submitted[0].policies[0]["action"] == "hold_ignored"


@respx.mock
async def test_a_failing_policy_never_fails_the_call(proxy_client, policies, submitted):
    policies.append(ScriptedPolicy(name="knowledge", fail=True))
    route = respx.post(f"{UPSTREAM}/chat/completions").mock(return_value=httpx.Response(200, json=COMPLETION))

    response = await proxy_client.post("/v1/chat/completions", json=CHAT, headers=bearer("sk-mine"))

    assert response.status_code == 200
    assert route.called
    assert submitted[0].policies == [
        {"policy": "knowledge", "action": "failed", "error": "RuntimeError: store unreachable"}
    ]


@respx.mock
async def test_policies_are_not_asked_about_calls_that_are_not_recorded(proxy_client, policies):
    policy = ScriptedPolicy(before_decision=Hold(202, {}))
    policies.append(policy)
    respx.get(f"{UPSTREAM}/models").mock(return_value=httpx.Response(200, json={"data": []}))

    response = await proxy_client.get("/v1/models", headers=bearer("sk-mine"))

    assert response.status_code == 200
    assert policy.seen_answers == []


@dataclass
class SystemPromptPolicy:
    """A policy that adds a system message to whatever request it sees, as a prompt fix does."""

    name: str = "prompt"

    def applies_to(self, app: str, endpoint: str) -> bool:
        return True

    async def before(self, request: PolicyRequest) -> Decision:
        messages = [{"role": "system", "content": "Be brief."}, *request.json["messages"]]
        return ReplaceBody({**request.json, "messages": messages})

    async def after(self, request: PolicyRequest, answer: PolicyAnswer) -> AfterResult:
        return None


@respx.mock
async def test_a_rewritten_body_keeps_an_integer_beyond_64_bits_as_the_client_sent_it(proxy_client, policies):
    policies.append(SystemPromptPolicy())
    route = respx.post(f"{UPSTREAM}/chat/completions").mock(return_value=httpx.Response(200, json=COMPLETION))
    body = b'{"model": "gpt-4o-mini", "seed": 123456789012345678901234567890, "messages": []}'

    await proxy_client.post("/v1/chat/completions", content=body, headers=bearer("sk-mine"))

    sent = route.calls.last.request.content
    assert b'"seed":123456789012345678901234567890' in sent
    assert b'"role":"system"' in sent


REFUSED = {"error": {"message": "logprobs are not supported", "type": "invalid_request_error", "param": "logprobs"}}


@respx.mock
async def test_a_resend_sends_the_call_again_and_the_client_and_record_get_the_second_answer(
    proxy_client, policies, submitted
):
    again = {**CHAT, "temperature": 0}
    policy = ScriptedPolicy(name="gate", after_result=Resend(again, note={"logprobs": "refused"}))
    policies.append(policy)
    route = respx.post(f"{UPSTREAM}/chat/completions").mock(
        side_effect=[httpx.Response(400, json=REFUSED), httpx.Response(200, json=COMPLETION)]
    )

    response = await proxy_client.post("/v1/chat/completions", json=CHAT, headers=bearer("sk-mine"))

    assert response.status_code == 200
    assert response.json() == COMPLETION
    assert orjson.loads(route.calls.last.request.content) == again
    assert submitted[0].status_code == 200
    assert orjson.loads(b"".join(submitted[0].body_chunks)) == COMPLETION
    assert submitted[0].request == CHAT


@respx.mock
async def test_a_call_is_sent_again_at_most_once(proxy_client, policies, submitted):
    policies.append(ScriptedPolicy(name="gate", after_result=Resend(CHAT)))
    route = respx.post(f"{UPSTREAM}/chat/completions").mock(return_value=httpx.Response(400, json=REFUSED))

    response = await proxy_client.post("/v1/chat/completions", json=CHAT, headers=bearer("sk-mine"))

    assert response.status_code == 400
    assert route.call_count == 2
    assert [note["action"] for note in submitted[0].policies] == ["resend", "resend_ignored"]


@respx.mock
async def test_a_stream_is_never_sent_again(proxy_client, policies, submitted):
    policies.append(ScriptedPolicy(name="gate", after_result=Resend(CHAT)))
    route = respx.post(f"{UPSTREAM}/chat/completions").mock(
        return_value=httpx.Response(200, content=STREAM, headers={"content-type": "text/event-stream"})
    )

    response = await proxy_client.post("/v1/chat/completions", json={**CHAT, "stream": True}, headers=bearer("sk-mine"))

    assert response.content == STREAM
    assert route.call_count == 1
    assert submitted[0].policies[0]["action"] == "resend_ignored"
