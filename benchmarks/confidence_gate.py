"""The added cost of the confidence gate in audit mode on the proxy's path, beside the no-policy reference.

Run: `.venv/bin/python benchmarks/confidence_gate.py [--calls 20000] [--rounds 3]`

(a) CPU per call, measured as `benchmarks/proxy_overhead.py` does: `ProxyApp` driven directly
with ASGI messages on uvloop, the real resolver, router and feedback-token signing, an in-memory
upstream client and a `submit` that drops the Exchange; process time per call after a warm-up.
Scenarios, each in its own fresh subprocess, alternating within every round:

- `no policy`: the reference, a plain chat completion;
- `no policy, client asked for logprobs`: the same, the answer carrying log-probabilities (what
  relaying the bigger answer costs by itself);
- `a policy that does nothing`: claims the app, passes before and after: what the proxy's policy
  step costs by itself (it parses the request and buffers the whole answer for `after`);
- `audit gate, logprobs added`: the app is gated in audit mode and the answer is sure (0.95):
  the gateway asks for log-probabilities, parses the answer, computes the confidence and strips
  the log-probabilities again (re-serialising the answer);
- `audit gate, client asked for logprobs`: the same, but the client asked itself, so nothing is
  added or stripped: parse and compute only.

(b) The upstream answer's size for a typical answer (`ANSWER_WORDS` words) without and with
log-probabilities (the gate asks for `top_logprobs` 2).

No task is opened (the answer is sure), so no review service or database is involved: this is
the cost every gated call pays, not the cost of a risky one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import timeit
from collections.abc import Callable
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway.demo.fake_logprobs import token_logprobs  # noqa: E402
from gateway.demo.payloads import split_words  # noqa: E402
from gateway.review.confidence import confidence_features  # noqa: E402
from gateway.review.logprobs import chat_without_logprobs, rewritten_exactly  # noqa: E402

# A typical short support answer: about 80 words, about 100 tokens.
ANSWER_TEXT = (
    "Thanks for reaching out! Your order #48213 left our warehouse on Monday and is now with the courier. "
    "According to the latest tracking update it reached the regional depot this morning, so it should be "
    "delivered within one to two business days. You can follow it live with the tracking link in your "
    "confirmation email. If it has not arrived by Friday, reply to this message and we will send a "
    "replacement or refund you in full, whichever you prefer."
)
ANSWER_WORDS = len(ANSWER_TEXT.split())
SCENARIOS = {
    "none": "no policy",
    "none_logprobs": "no policy, client asked for logprobs",
    "noop": "a policy that does nothing",
    "gate_added": "audit gate, logprobs added",
    "gate_client": "audit gate, client asked for logprobs",
}


def chat_answer(top_logprobs: int | None) -> bytes:
    """The upstream's chat completion for ANSWER_TEXT; with token log-probabilities unless `top_logprobs` is None."""
    logprobs = None
    if top_logprobs is not None:
        logprobs = {"content": token_logprobs(split_words(ANSWER_TEXT), 0.95, top_logprobs), "refusal": None}
    message = {"role": "assistant", "content": ANSWER_TEXT, "refusal": None, "annotations": []}
    return orjson.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1764600000,
            "model": "gpt-4o-mini",
            "choices": [{"index": 0, "message": message, "logprobs": logprobs, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 40, "completion_tokens": len(split_words(ANSWER_TEXT)), "total_tokens": 150},
            "system_fingerprint": "fp_feedgate",
        }
    )


# The measured program; argv: calls, scenario, answer without logprobs (path), answer with (path).
CHILD = r'''
import asyncio, json, sys, time
from datetime import timedelta
import uvloop
from gateway.config_entries import Upstream
from gateway.feedback.token import FeedbackTokens
from gateway.proxy.credentials import CallerResolver
from gateway.proxy.forward import ProxyApp
from gateway.proxy.policy import PASS
from gateway.proxy.routing import UpstreamRouter
from gateway.review.gate import ConfidenceGate
from gateway.review.gate_rules import GateRule
from gateway.review.hold_cap import HoldCap

calls, scenario = int(sys.argv[1]), sys.argv[2]
PLAIN, WITH_LOGPROBS = open(sys.argv[3], "rb").read(), open(sys.argv[4], "rb").read()
client_asks = scenario in ("none_logprobs", "gate_client")
request = {"model": "gpt-4o-mini", "messages": [
    {"role": "system", "content": "You are a helpful assistant for an online store. Answer briefly and politely."},
    {"role": "user", "content": "Hi! My order #48213 was supposed to arrive yesterday. Can you tell me where it is?"}]}
if client_asks:
    request |= {"logprobs": True, "top_logprobs": 2}
BODY = json.dumps(request).encode()

class Answer:
    status_code = 200
    def __init__(self, body):
        self.body = body
        self.raw_headers = [(b"content-type", b"application/json"), (b"x-request-id", b"req_1")]
        self.headers = {"content-type", "x-request-id"}  # its names (UpstreamResponse.headers)
    def header(self, name):
        return "application/json" if name == "content-type" else ""
    async def aiter_raw(self):
        yield self.body
    async def aclose(self):
        pass

class NoOp:
    name = "noop"
    def applies_to(self, app, endpoint):
        return True
    async def before(self, request):
        return PASS
    async def after(self, request, answer):
        return None

class Upstream_:
    """Answers with log-probabilities when the forwarded request asks for them (a cheap byte search)."""
    async def send(self, method, url, headers, body):
        return Answer(WITH_LOGPROBS if b'"logprobs"' in body else PLAIN)

async def no_keys(_):
    return None

async def main():
    resolver = CallerResolver(mode="passthrough", salt="s", lookup_gateway_key=no_keys)
    policies = []
    if scenario.startswith("gate"):
        app = resolver.fingerprint("sk-app-one")
        # A sure answer opens no task, so the gate never calls the review service.
        gate = ConfidenceGate({app: GateRule(0.7, "audit")}, None, HoldCap(0.2, 100), timedelta(minutes=30))
        policies.append(gate)
    elif scenario == "noop":
        policies.append(NoOp())
    proxy = ProxyApp(
        router=UpstreamRouter([Upstream(name="default", url="http://upstream.invalid/v1")]),
        resolver=resolver, client=Upstream_(), submit=lambda exchange: None,
        upstream_authorization={"default": None}, max_request_bytes=1 << 20,
        identity_headers=FeedbackTokens("secret", 3600).response_headers, policies=policies,
    )
    scope = {"type": "http", "method": "POST", "path": "/v1/chat/completions", "raw_path": b"/v1/chat/completions",
             "query_string": b"", "headers": [(b"host", b"gw"), (b"authorization", b"Bearer sk-app-one"),
             (b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]}
    first = {"type": "http.request", "body": BODY, "more_body": False}
    never = asyncio.Event()
    seen = []

    async def one():
        delivered = False
        seen.clear()
        async def receive():
            nonlocal delivered
            if not delivered:
                delivered = True
                return first
            await never.wait()
        async def send(message):
            if message["type"] == "http.response.body":
                seen.append(message.get("body", b""))
        await proxy(scope, receive, send)

    for _ in range(2000):  # warm-up: caches, the router's and resolver's memo
        await one()
    started = time.process_time()
    for _ in range(calls):
        await one()
    elapsed = time.process_time() - started
    shown = json.loads(b"".join(seen))
    print(json.dumps({"us_per_call": elapsed / calls * 1e6, "client_bytes": len(b"".join(seen)),
                      "client_logprobs": shown["choices"][0]["logprobs"] is not None}))

uvloop.run(main())
'''


def gate_steps(answer: bytes, number: int = 2_000) -> dict[str, float]:
    """CPU microseconds of each step the gate adds: parse the answer, compute the measures, strip and re-serialise."""
    parsed = orjson.loads(answer)
    steps: dict[str, Callable[[], object]] = {
        "parse the answer (orjson.loads)": lambda: orjson.loads(answer),
        "compute the confidence measures": lambda: confidence_features(parsed),
        "strip logprobs and re-serialise": lambda: rewritten_exactly(answer, parsed, chat_without_logprobs),
    }
    timer = time.process_time
    return {
        label: statistics.median(timeit.repeat(step, timer=timer, number=number, repeat=5)) / number * 1e6
        for label, step in steps.items()
    }


def measure(calls: int, scenario: str, plain: Path, with_logprobs: Path) -> dict[str, float]:
    """CPU microseconds per call for `scenario`, and what the client received, from a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", CHILD, str(calls), scenario, str(plain), str(with_logprobs)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"the measured program failed for {scenario}:\n{done.stderr}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000, help="measured calls per process (default 20000)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--scratch", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")))
    args = parser.parse_args(argv)

    plain, with_logprobs = chat_answer(None), chat_answer(2)
    plain_path = args.scratch / "feedgate-gate-bench-plain.json"
    logprobs_path = args.scratch / "feedgate-gate-bench-logprobs.json"
    plain_path.write_bytes(plain)
    logprobs_path.write_bytes(with_logprobs)
    results: dict[str, list[float]] = {}
    shown: dict[str, dict[str, float]] = {}
    try:
        for round_number in range(1, args.rounds + 1):
            for scenario, label in SCENARIOS.items():
                found = measure(args.calls, scenario, plain_path, logprobs_path)
                results.setdefault(scenario, []).append(found["us_per_call"])
                shown[scenario] = found
                print(f"round {round_number}: {label}: {found['us_per_call']:.1f} µs/call", flush=True)
    finally:
        plain_path.unlink(missing_ok=True)
        logprobs_path.unlink(missing_ok=True)

    reference = statistics.median(results["none"])
    print(f"\n(a) CPU per call of ProxyApp (median of {args.rounds} rounds, {args.calls:,} calls each; min–max):\n")
    print("| Scenario | CPU per call | Added vs no policy | Client receives |")
    print("|---|---|---|---|")
    for scenario, label in SCENARIOS.items():
        values = results[scenario]
        median = statistics.median(values)
        added = (
            "—"
            if scenario == "none"
            else f"{median - reference:+.1f} µs ({(median - reference) / reference * 100:+.0f} %)"
        )
        received = f"{int(shown[scenario]['client_bytes']):,} B, logprobs {'kept' if shown[scenario]['client_logprobs'] else 'null'}"
        print(f"| {label} | {median:.1f} µs ({min(values):.1f}–{max(values):.1f}) | {added} | {received} |")

    print("\nWhere the gate's time goes, in this process (median of 5 × 2,000 calls):\n")
    print("| Step | CPU per call |")
    print("|---|---|")
    for label, step_us in gate_steps(with_logprobs).items():
        print(f"| {label} | {step_us:.1f} µs |")

    tokens = len(split_words(ANSWER_TEXT))
    print(f"\n(b) Upstream answer size, a typical answer ({ANSWER_WORDS} words, {tokens} tokens):\n")
    print("| Answer | Bytes | × plain |")
    print("|---|---|---|")
    for label, top in (
        ("without logprobs", None),
        ("logprobs, top_logprobs 0", 0),
        ("logprobs, top_logprobs 2 (the gate's)", 2),
        ("logprobs, top_logprobs 5", 5),
    ):
        size = len(chat_answer(top))
        print(f"| {label} | {size:,} | {size / len(plain):.1f} |")


if __name__ == "__main__":
    main()
