"""What an instruction version adds to a request: PromptPolicy's applies_to + before, timed with timeit.

The request is a realistic chat call: a system message, six turns of conversation (~800 bytes of
JSON, already parsed, as the proxy hands it over), model and sampling fields; and a Responses
API call with instructions. Timed per call, best of `--repeat` rounds of `--number` calls, for:
an app with no version (applies_to only), the active version in each mode, a canary with a
user (the arm is a keyed BLAKE2b hash), and a Responses request. The proxy serializes the
replaced body with orjson whatever policy replaced it; that cost is shown on its own line.

    .venv/bin/python benchmarks/prompt_policy.py [--number 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import timeit
from datetime import UTC, datetime

import orjson

from gateway.prompts.policy import PromptPolicy
from gateway.prompts.records import AppPrompts, Deployment, Mode, PromptVersion
from gateway.proxy.policy import PolicyRequest

NOW = datetime.now(UTC)
INSTRUCTIONS = (
    "You are the support assistant of Example Bank. Transfer fees are 1% (minimum 0.50 EUR). "
    "Card replacements are free once a year. Never promise a refund; point to the disputes form."
)
TURNS = [
    ("user", "Hi, I sent money to my sister yesterday and it still has not arrived. What is going on?"),
    ("assistant", "Transfers inside the EU usually arrive within one business day. Could you tell me the date?"),
    ("user", "It was on Monday morning, and today is Wednesday. The app says pending."),
    ("assistant", "A pending transfer can be held for a security check. You will be notified if we need anything."),
    ("user", "Also, how much did that transfer cost me? I sent 250 euros."),
    ("assistant", "Let me check the fee schedule for you."),
]


def version(number: int, text: str) -> PromptVersion:
    return PromptVersion(f"id-{number}", "bank", None, number, text, "bench", "", NOW)


class Snapshots:
    """The in-memory snapshot as FixSnapshots keeps it: a dict lookup by app."""

    def __init__(self, apps: dict[str, AppPrompts]) -> None:
        self._apps = apps

    def get(self, app: str) -> AppPrompts | None:
        return self._apps.get(app)


def policy_for(mode: Mode, canary: bool) -> PromptPolicy:
    active = version(1, INSTRUCTIONS)
    deployment = Deployment(
        "bank",
        None,
        active,
        version(2, INSTRUCTIONS + " Be brief.") if canary else None,
        0.1 if canary else None,
        NOW if canary else None,
        None,
    )
    return PromptPolicy(Snapshots({"bank": AppPrompts("bank", mode, {None: deployment}, {})}))  # type: ignore[arg-type]


def chat_request(app: str = "bank") -> PolicyRequest:
    messages = [{"role": "system", "content": "You are a helpful assistant for Example Bank customers."}]
    messages += [{"role": role, "content": content} for role, content in TURNS]
    body = {
        "model": "gpt-4o-mini",
        "messages": messages,
        "temperature": 0.2,
        "max_tokens": 400,
        "user": "customer-4711",
    }
    return PolicyRequest("0193a0f0-0000-7000-8000-000000000000", app, "chat.completions", body, None, None, [])


def responses_request() -> PolicyRequest:
    body = {"model": "gpt-4o-mini", "input": TURNS[0][1], "instructions": "You are a helpful assistant."}
    return PolicyRequest("0193a0f0-0000-7000-8000-000000000001", "bank", "responses", body, "customer-4711", None, [])


def time_call(label: str, call, number: int, repeat: int) -> None:
    best = min(timeit.repeat(call, number=number, repeat=repeat)) / number
    print(f"{label:<44} {best * 1e6:8.2f} µs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    loop = asyncio.new_event_loop()

    def decide(policy: PromptPolicy, request: PolicyRequest):
        # What the proxy does per call: ask applies_to, then await before() (a coroutine that never suspends).
        def call() -> None:
            if policy.applies_to(request.app, request.endpoint):
                coroutine = policy.before(request)
                with contextlib.suppress(StopIteration):
                    coroutine.send(None)

        return call

    print(f"{len(orjson.dumps(chat_request().json))} bytes of chat request JSON; best of {args.repeat} x {args.number}")
    time_call(
        "app without a version (applies_to only)",
        decide(policy_for("prepend", False), chat_request("other")),
        args.number,
        args.repeat,
    )
    for mode in ("prepend", "append", "replace"):
        time_call(f"active version, {mode}", decide(policy_for(mode, False), chat_request()), args.number, args.repeat)
    time_call(
        "canary running (hash of the user)",
        decide(policy_for("prepend", True), chat_request()),
        args.number,
        args.repeat,
    )
    time_call(
        "Responses API, prepend", decide(policy_for("prepend", False), responses_request()), args.number, args.repeat
    )
    replaced = loop.run_until_complete(policy_for("prepend", False).before(chat_request()))
    time_call("(orjson.dumps of the replaced body)", lambda: orjson.dumps(replaced.json), args.number, args.repeat)  # type: ignore[union-attr]
    loop.close()


if __name__ == "__main__":
    main()
