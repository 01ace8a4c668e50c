"""Every answer the gateway composes itself on a recorded call names the interaction as `x-request-id`.

The OpenAI SDKs read that header as the response's `request_id`, the id a developer quotes. A held
answer (the confidence gate's 202, or its own errors, all sent as a policy's Hold) went out without
one, while the gateway's refusals had it: an app could not find the held call from its answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import respx
from proxy_in_process import CHAT, passthrough_proxy, post_chat

from gateway.proxy.policy import PASS, AfterResult, Decision, Hold, PolicyAnswer, PolicyRequest
from gateway.proxy.upstream import HttpxUpstream
from gateway.recording.exchange import Exchange

UPSTREAM = "https://llm.example/v1"
COMPLETION = {"id": "chatcmpl-1", "choices": [{"index": 0, "message": {"role": "assistant", "content": "hello"}}]}
PENDING = {"status": "pending_review", "task_id": "t-1"}


@dataclass
class HoldingPolicy:
    """A policy that holds every call, before it goes upstream or once its answer is in."""

    before_decision: Decision = PASS
    after_result: AfterResult = None
    name: str = "gate"

    def applies_to(self, app: str, endpoint: str) -> bool:
        return True

    async def before(self, request: PolicyRequest) -> Decision:
        return self.before_decision

    async def after(self, request: PolicyRequest, answer: PolicyAnswer) -> AfterResult:
        return self.after_result


async def held_call(policy: HoldingPolicy) -> tuple[httpx.Response, list[Exchange]]:
    submitted: list[Exchange] = []
    upstream = HttpxUpstream(httpx.AsyncHTTPTransport(), connect_timeout=5.0, read_timeout=5.0)
    try:
        with respx.mock:
            answer = httpx.Response(200, json=COMPLETION, headers={"x-request-id": "req_upstream"})
            respx.post(f"{UPSTREAM}/chat/completions").mock(return_value=answer)
            response = await post_chat(passthrough_proxy(UPSTREAM, upstream, submitted.append, policies=[policy]), CHAT)
    finally:
        await upstream.aclose()
    return response, submitted


async def test_an_answer_held_before_the_call_names_its_interaction_as_request_id():
    response, submitted = await held_call(HoldingPolicy(before_decision=Hold(202, PENDING)))

    assert response.status_code == 202
    assert response.headers.get_list("x-request-id") == [submitted[0].id]


async def test_an_answer_held_after_the_upstream_answered_names_its_interaction_not_the_upstreams_request():
    # The client never sees the upstream's answer: what it got is the gateway's, found by the interaction id.
    response, submitted = await held_call(HoldingPolicy(after_result=Hold(202, PENDING)))

    assert response.status_code == 202
    assert response.headers.get_list("x-request-id") == [submitted[0].id]


async def test_a_held_answer_that_names_a_request_id_of_its_own_keeps_it():
    hold = Hold(200, COMPLETION, headers=[(b"x-request-id", b"req_approved")])

    response, _ = await held_call(HoldingPolicy(before_decision=hold))

    assert response.headers.get_list("x-request-id") == ["req_approved"]
