"""The confidence gate end to end: the real openai SDK, a gateway on a real socket, the fake upstream.

"[confidence=0.3]" in the last user message makes the fake upstream's answer that sure of itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletion

from gateway.config import Settings
from gateway.config_entries import ReviewGate
from gateway.proxy.credentials import CallerResolver
from tests.docs_pages import python_block_with

ADMIN = {"authorization": "Bearer test-admin-token"}
SALT = "gate-test-salt"
KEY = "sk-gated"
LOW = [{"role": "user", "content": "What is the fee? [confidence=0.3]"}]
HIGH = [{"role": "user", "content": "What is the fee?"}]


async def _no_keys(_: str) -> None:
    return None


def app_of(key: str) -> str:
    """The app name the gateway gives a pass-through key under SALT."""
    return CallerResolver(mode="passthrough", salt=SALT, lookup_gateway_key=_no_keys).fingerprint(key)


@pytest.fixture
def gated(settings: Settings, start_gateway: Callable[..., Any]) -> Callable[..., Any]:
    """Start a gateway gating KEY's app in `mode`, with setting overrides."""

    def start(mode: str, **overrides: Any) -> Any:
        gate = ReviewGate(app=app_of(KEY), mode=mode)
        updated = settings.model_copy(
            update={"key_salt": SALT, "review_gates": [gate], "review_second_opinion_share": 0.0, **overrides}
        )
        return start_gateway(updated)

    return start


def sdk(gateway: Any, key: str = KEY) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway.url, api_key=key, max_retries=0)


def tasks(gateway: Any, app: str | None = None) -> list[dict[str, Any]]:
    response = httpx.get(f"{gateway.origin}/api/reviews", params={"app": app or app_of(KEY)}, headers=ADMIN)
    assert response.status_code == 200, response.text
    return [task_detail(gateway, task["id"]) for task in response.json()["data"]]


def task_detail(gateway: Any, task_id: str) -> dict[str, Any]:
    response = httpx.get(f"{gateway.origin}/api/reviews/{task_id}", headers=ADMIN)
    assert response.status_code == 200, response.text
    return response.json()


def wait_for_tasks(gateway: Any, count: int) -> list[dict[str, Any]]:
    """The app's tasks once there are `count` (audit tasks open in the background)."""
    deadline = time.monotonic() + 5
    while True:
        found = tasks(gateway)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def decide(gateway: Any, task_id: str, outcome: str, **fields: Any) -> None:
    body = {"outcome": outcome, "reviewer": "alice", **fields}
    response = httpx.post(f"{gateway.origin}/api/reviews/{task_id}/decision", json=body, headers=ADMIN)
    assert response.status_code == 200, response.text


def hold(client: openai.OpenAI, messages: list[dict[str, str]], **extra: Any) -> tuple[int, dict[str, Any], Any]:
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=messages, **extra)
    return raw.http_response.status_code, raw.http_response.json(), raw.headers


# -- audit ------------------------------------------------------------------------------


def test_audit_opens_a_task_for_a_low_confidence_answer_and_the_answer_goes_out_unchanged(gated, fake_upstream):
    gateway = gated("audit")
    client = sdk(gateway)

    sure = client.chat.completions.create(model="gpt-4o-mini", messages=HIGH)
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=LOW)
    unsure = raw.parse()

    assert raw.http_response.status_code == 200
    assert unsure.choices[0].message.content == "Echo: What is the fee? [confidence=0.3]"
    assert unsure.choices[0].logprobs is None and sure.choices[0].logprobs is None
    assert b'"logprobs":null' in raw.http_response.content
    assert all(request.json()["logprobs"] is True for request in fake_upstream.app.requests)
    found = wait_for_tasks(gateway, 1)
    time.sleep(0.2)  # the high-confidence call went first: had it opened a task, it would be there too
    found = tasks(gateway)
    assert len(found) == 1
    task = found[0]
    assert task["source"] == "confidence" and task["reason"] == "Low confidence: 0.30"
    assert task["evidence"]["threshold"] == 0.7 and task["evidence"]["mode"] == "audit"
    assert abs(task["evidence"]["confidence"]["confidence"] - 0.3) < 1e-6
    record = gateway.interaction(raw.headers["x-feedgate-interaction-id"])
    assert record["response"]["choices"][0]["logprobs"] is not None  # the record keeps what the upstream sent


def test_a_client_that_asked_for_logprobs_keeps_them(gated):
    gateway = gated("audit")

    completion = sdk(gateway).chat.completions.create(model="gpt-4o-mini", messages=HIGH, logprobs=True)

    assert completion.choices[0].logprobs is not None and completion.choices[0].logprobs.content


# -- hold -------------------------------------------------------------------------------


def test_hold_returns_pending_and_the_sdk_receives_the_reviewers_correction(gated):
    gateway = gated("hold")
    client = sdk(gateway)

    status, pending, headers = hold(client, LOW)

    assert status == 202
    assert pending["status"] == "pending_review" and pending["interaction_id"] == headers["x-feedgate-interaction-id"]
    assert "estimated_wait_minutes" in pending
    task_id = pending["task_id"]
    waiting = client.get(f"/reviews/{task_id}", cast_to=httpx.Response)
    assert waiting.status_code == 202 and waiting.json()["task_id"] == task_id
    task = tasks(gateway)[0]
    assert task["id"] == task_id and task["priority"] == "high" and "held_answer" in task["evidence"]
    claim = httpx.patch(
        f"{gateway.origin}/api/reviews/{task_id}", json={"action": "claim", "reviewer": "alice"}, headers=ADMIN
    )
    assert claim.status_code == 200, claim.text

    decide(gateway, task_id, "correct", correction="The fee is 1%.", comment="fee table")
    corrected = client.get(f"/reviews/{task_id}", cast_to=ChatCompletion)

    assert isinstance(corrected, ChatCompletion)
    assert corrected.choices[0].message.content == "The fee is 1%."
    record = gateway.interaction(pending["interaction_id"])
    assert corrected.id == record["upstream_response_id"] and corrected.model == record["response"]["model"]
    assert record["held_for_review"] is True


def test_the_first_202_says_pending_in_the_outcome_header_as_a_poll_does(gated):
    gateway = gated("hold")
    client = sdk(gateway)

    _, pending, headers = hold(client, LOW)
    polled = client.get(f"/reviews/{pending['task_id']}", cast_to=httpx.Response)

    assert headers["x-feedgate-review-outcome"] == polled.headers["x-feedgate-review-outcome"] == "pending"


def test_an_approved_hold_releases_the_exact_answer_without_logprobs(gated):
    gateway = gated("hold")
    client = sdk(gateway)
    _, pending, _ = hold(client, LOW)

    decide(gateway, pending["task_id"], "approve")
    approved = client.get(f"/reviews/{pending['task_id']}", cast_to=ChatCompletion)

    assert approved.choices[0].message.content == "Echo: What is the fee? [confidence=0.3]"
    assert approved.choices[0].logprobs is None
    task = task_detail(gateway, pending["task_id"])
    decided = [event for event in task["events"] if event["kind"] == "decided"]
    # The approval names the exact bytes it judged.
    assert decided[0]["detail"]["held_answer_sha256"] == task["evidence"]["held_answer"]["sha256"]
    # And the fallback in force when it was held is kept with it (the default, refuse).
    assert task["evidence"]["held_answer"]["fallback"] == "refuse"


def test_a_rejected_hold_gets_the_refusal(gated):
    gateway = gated("hold")
    client = sdk(gateway)
    _, pending, _ = hold(client, LOW)

    decide(gateway, pending["task_id"], "reject", comment="made up a fee")

    with pytest.raises(openai.UnprocessableEntityError) as refused:
        client.get(f"/reviews/{pending['task_id']}", cast_to=ChatCompletion)
    assert refused.value.code == "answer_rejected"
    assert "made up a fee" in refused.value.message


def test_a_high_confidence_answer_is_not_held_but_the_flag_holds_it(gated):
    gateway = gated("hold")
    client = sdk(gateway)

    status, answer, _ = hold(client, HIGH)
    flagged_status, pending, _ = hold(client, HIGH, extra_headers={"x-feedgate-review": "required"})

    assert status == 200 and answer["choices"][0]["logprobs"] is None
    assert flagged_status == 202
    task = tasks(gateway)[0]
    assert task["id"] == pending["task_id"] and task["source"] == "flagged"
    assert task["reason"].startswith("Flagged for review by the app")


def test_another_app_cannot_read_a_held_answer(gated):
    gateway = gated("hold")
    _, pending, _ = hold(sdk(gateway), LOW)

    with pytest.raises(openai.NotFoundError):
        sdk(gateway, "sk-someone-else").get(f"/reviews/{pending['task_id']}", cast_to=ChatCompletion)
    anonymous = httpx.get(f"{gateway.url}/reviews/{pending['task_id']}")
    assert anonymous.status_code == 401


# -- deadline and cap ----------------------------------------------------------------------


@pytest.mark.parametrize(("fallback", "status"), [("refuse", 422), ("release", 200)])
def test_a_hold_past_its_deadline_gets_the_fallback(gated, fallback, status):
    gateway = gated("hold", review_hold_timeout_minutes=0.001, review_hold_fallback=fallback)
    client = sdk(gateway)
    _, pending, _ = hold(client, LOW)
    time.sleep(0.1)

    answer = client.get(f"/reviews/{pending['task_id']}", cast_to=httpx.Response) if status == 200 else None
    if status == 200:
        assert answer.status_code == 200
        assert answer.json()["choices"][0]["message"]["content"].startswith("Echo:")
        assert answer.headers["x-feedgate-review-outcome"] == "released_unreviewed"
    else:
        with pytest.raises(openai.UnprocessableEntityError) as refused:
            client.get(f"/reviews/{pending['task_id']}", cast_to=ChatCompletion)
        assert refused.value.code == "review_timed_out"


def test_beyond_the_hold_cap_a_risky_answer_is_audited_instead(gated):
    gateway = gated("hold", review_hold_max_share=0.25, review_hold_cap_window=4)
    client = sdk(gateway)

    first, _, _ = hold(client, LOW)
    second, answer, _ = hold(client, LOW)

    assert (first, second) == (202, 200)
    assert answer["choices"][0]["logprobs"] is None
    found = wait_for_tasks(gateway, 2)
    capped = [task for task in found if task["evidence"].get("hold_capped")]
    assert len(capped) == 1 and capped[0]["priority"] == "medium"


# -- webhook ------------------------------------------------------------------------------


class _Hooks(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:  # the http.server's name for it
        body = self.rfile.read(int(self.headers["content-length"]))
        self.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def hook_server() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    """A local server recording the webhooks it receives."""
    received: list[tuple[dict[str, str], bytes]] = []
    handler = type("Hooks", (_Hooks,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


def test_a_decided_hold_is_announced_by_a_signed_webhook(gated, hook_server):
    url, received = hook_server
    gateway = gated("hold", review_webhook_url=url, review_webhook_secret="hook-secret", review_gate_streams="audit")
    client = sdk(gateway)
    _, pending, _ = hold(client, LOW)
    list(client.chat.completions.create(model="gpt-4o-mini", messages=LOW, stream=True, logprobs=True))
    audited = [task for task in wait_for_tasks(gateway, 2) if task["id"] != pending["task_id"]]

    decide(gateway, audited[0]["id"], "approve")  # holds no answer: no webhook
    decide(gateway, pending["task_id"], "reject", comment="no")
    deadline = time.monotonic() + 5
    while not received and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)

    assert len(received) == 1
    headers, body = received[0]
    assert headers["webhook-id"] == pending["task_id"]
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(b"hook-secret", signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{expected}"
    legacy = hmac.new(b"hook-secret", body, hashlib.sha256).hexdigest()  # deprecated, kept one release
    assert hmac.compare_digest(headers["x-feedgate-signature"], legacy)
    notice = json.loads(body)
    assert notice["event"] == "feedgate.review.decided" and notice["outcome"] == "reject"
    assert notice["task_id"] == pending["task_id"] and notice["interaction_id"] == pending["interaction_id"]
    assert notice["app"] == app_of(KEY)


def test_a_webhooks_poll_path_carries_the_public_prefix(gated, hook_server):
    url, received = hook_server
    gateway = gated("hold", review_webhook_url=url, review_webhook_secret="hook-secret", root_path="/feedgate")
    _, pending, _ = hold(sdk(gateway), LOW)

    decide(gateway, pending["task_id"], "approve")
    deadline = time.monotonic() + 5
    while not received and time.monotonic() < deadline:
        time.sleep(0.05)

    assert json.loads(received[0][1])["poll"] == f"/feedgate/v1/reviews/{pending['task_id']}"


REVIEW_PAGE = "docs/review.md"


def test_the_review_pages_held_answer_snippet_waits_for_the_reviewer_and_gets_the_answer(gated):
    gateway = gated("hold")
    snippet = python_block_with("/reviews/", REVIEW_PAGE)
    waits: list[float] = []

    class ReviewerDecidesWhileTheAppSleeps:
        @staticmethod
        def sleep(seconds: float) -> None:
            waits.append(seconds)
            [task] = tasks(gateway)
            decide(gateway, task["id"], "correct", correction="Transfers cost 1%.")

    names: dict[str, Any] = {"client": sdk(gateway), "messages": LOW, "httpx": httpx, "ChatCompletion": ChatCompletion}
    names["time"] = ReviewerDecidesWhileTheAppSleeps
    exec(textwrap.dedent(snippet), names)  # the page's own code, run as written

    assert len(waits) == 1  # polled once while pending, once to get the answer
    assert names["completion"].choices[0].message.content == "Transfers cost 1%."
