"""Open-loop chat traffic for the load-and-faults benchmark: requests at a steady rate, every outcome kept.

Open loop: request i is due at start + i / rate whether or not earlier ones have been answered,
so a slow gateway meets a growing crowd instead of a politely waiting client (wrk and most
closed-loop tools hide stalls that way). Latency is counted from the time a request was due, not
from when the client got round to sending it; `lag_ms` says how late the client itself was.

Each request is a `Kind`: a model name the fake upstream (gateway.demo.fake_upstream) acts on,
streaming or not, and what the client and the stored interaction should show for it.
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

PATH = "/v1/chat/completions"
SYSTEM = "You are a helpful assistant for an online store. Answer briefly and politely."
QUESTIONS = [
    "Hi! My order #{n} was supposed to arrive yesterday. Can you tell me where it is?",
    "Can I return a jacket I bought three weeks ago (order #{n})?",
    "Do you ship to Norway, and how long does it take for order #{n}?",
    "The discount code did not apply to my basket #{n}. What should I do?",
]


@dataclass(frozen=True, slots=True)
class Kind:
    """One sort of request, and what should come of it."""

    name: str
    model: str
    stream: bool
    status: int = 200  # the status the client should get
    whole: bool = True  # the client should read a whole answer (JSON that parses, or a stream through [DONE])
    row_status: int | None = None  # the stored status_code (None: same as `status`)
    row_partial: bool = False  # the stored row should be marked partial
    row_error: bool = False  # the stored row should carry an error

    @property
    def expected_row_status(self) -> int:
        """The status_code the stored interaction should have."""
        return self.status if self.row_status is None else self.row_status


JSON = Kind("json", "gpt-4o-mini", stream=False)
STREAM = Kind("stream", "gpt-4o-mini", stream=True)
NORMAL = (JSON, STREAM)
# Upstream faults, as the fake upstream plays them (see its module docstring); the gateway's
# upstream_read_timeout must be shorter than the client's own timeout.
FAULTS = (
    # No answer at all within the gateway's read timeout: the gateway answers 504 itself.
    Kind("timeout-json", "hang", stream=False, status=504, row_error=True),
    Kind("timeout-stream-before-headers", "hang", stream=True, status=504, row_error=True),
    # Two events, then silence: the client has a 200 and part of a stream, then the connection drops.
    Kind("timeout-mid-stream", "stall", stream=True, whole=False, row_partial=True, row_error=True),
    # The upstream's own 5xx goes to the client as it came.
    Kind("upstream-503-json", "error-503", stream=False, status=503, row_error=True),
    Kind("upstream-500-stream", "error-500", stream=True, status=500, row_error=True),
    # The upstream drops the connection: mid-stream the client's stream is cut too (after the 200);
    # mid-JSON-body nothing has reached the client yet, so the gateway answers 502.
    Kind("reset-mid-stream", "reset", stream=True, whole=False, row_partial=True, row_error=True),
    Kind("reset-json", "reset", stream=False, status=502, row_error=True),
)
KINDS = {kind.name: kind for kind in (*NORMAL, *FAULTS)}


def alternate(index: int) -> Kind:
    """50/50 streaming and non-streaming, interleaved."""
    return NORMAL[index % 2]


def with_faults(every: int) -> Callable[[int], Kind]:
    """Every `every`-th request a fault (taking each fault kind in turn), the rest 50/50 normal."""

    def choose(index: int) -> Kind:
        if index % every == every - 1:
            return FAULTS[(index // every) % len(FAULTS)]
        return NORMAL[index % 2]

    return choose


@dataclass(slots=True)
class Outcome:
    """What one request got."""

    kind: str
    due_s: float  # seconds after the run's start the request was due
    lag_ms: float  # how late the client sent it
    status: int | None = None  # None: no HTTP answer at all
    latency_ms: float = math.nan  # from due time to the last byte read (or the failure)
    interaction_id: str | None = None
    whole: bool = False  # a JSON body that parses, or a stream through [DONE]
    events: int = 0  # SSE data events read (streams), [DONE] excluded
    error: str | None = None  # the client's exception, if any

    @property
    def answered(self) -> bool:
        """The gateway answered (a status line arrived), so it owes a stored interaction."""
        return self.status is not None and self.interaction_id is not None

    @property
    def ok(self) -> bool:
        """A normal request's success: 200 and the whole answer."""
        return self.status == 200 and self.whole and self.error is None


@dataclass
class Traffic:
    """The outcomes of one open-loop run, and how well the client kept its schedule."""

    outcomes: list[Outcome] = field(default_factory=list)
    planned: int = 0
    seconds: float = 0.0
    max_in_flight: int = 0


def _body(kind: Kind, index: int) -> bytes:
    question = QUESTIONS[index % len(QUESTIONS)].format(n=40_000 + index)
    body: dict[str, Any] = {
        "model": kind.model,
        "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}],
        "temperature": 0.2,
    }
    if kind.stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    return orjson.dumps(body)


async def send_one(session: aiohttp.ClientSession, url: str, kind: Kind, index: int, tag: str, due: float) -> Outcome:
    """Send one chat request and read its answer to the end, whatever happens."""
    loop = asyncio.get_running_loop()
    outcome = Outcome(kind.name, due_s=0.0, lag_ms=max(0.0, (loop.time() - due) * 1000))
    headers = {"Content-Type": "application/json", "Authorization": "Bearer sk-feedgate-bench", "x-feedgate-user": tag}
    try:
        async with session.post(url, data=_body(kind, index), headers=headers) as response:
            outcome.status = response.status
            outcome.interaction_id = response.headers.get("x-feedgate-interaction-id")
            if response.content_type == "text/event-stream":
                async for line in response.content:
                    if line.startswith(b"data: "):
                        if line.rstrip() == b"data: [DONE]":
                            outcome.whole = True
                        else:
                            outcome.events += 1
            else:
                payload = await response.read()
                try:
                    outcome.whole = isinstance(orjson.loads(payload), dict)
                except orjson.JSONDecodeError:
                    outcome.whole = False
    except (aiohttp.ClientError, TimeoutError) as exc:
        outcome.error = f"{type(exc).__name__}: {exc}"[:200]
        outcome.whole = False
    outcome.latency_ms = (loop.time() - due) * 1000
    return outcome


async def open_loop(
    session: aiohttp.ClientSession,
    base_url: str,
    *,
    rate: float,
    seconds: float,
    tag: str,
    choose: Callable[[int], Kind] = alternate,
) -> Traffic:
    """Send rate x seconds requests, each at its due time, and wait for every answer."""
    loop = asyncio.get_running_loop()
    url = base_url + PATH
    traffic = Traffic(planned=int(rate * seconds), seconds=seconds)
    start = loop.time()
    in_flight: set[asyncio.Task[Outcome]] = set()
    tasks: list[asyncio.Task[Outcome]] = []
    for index in range(traffic.planned):
        due = start + index / rate
        wait = due - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        task = asyncio.create_task(send_one(session, url, choose(index), index, tag, due))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
        tasks.append(task)
        traffic.max_in_flight = max(traffic.max_in_flight, len(in_flight))
    for index, outcome in enumerate(await asyncio.gather(*tasks)):
        outcome.due_s = index / rate
        traffic.outcomes.append(outcome)
    return traffic


def client_session(limit: int = 2000, timeout_s: float = 30.0) -> aiohttp.ClientSession:
    """The load client: keep-alive connections, no cookies, a whole-request timeout."""
    connector = aiohttp.TCPConnector(limit=limit, keepalive_timeout=3.0)
    return aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=timeout_s), cookie_jar=aiohttp.DummyCookieJar()
    )


# --- summaries -------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """The `share` quantile (nearest rank) of `values`; NaN when there are none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def latency_summary(outcomes: list[Outcome]) -> dict[str, Any]:
    """Count, p50 / p99 / max latency (ms) and the client's worst lag."""
    latencies = [o.latency_ms for o in outcomes]
    return {
        "requests": len(outcomes),
        "p50_ms": round(percentile(latencies, 0.50), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "max_ms": round(max(latencies), 2) if latencies else math.nan,
        "client_max_lag_ms": round(max((o.lag_ms for o in outcomes), default=0.0), 2),
    }


def by_kind(outcomes: list[Outcome]) -> dict[str, dict[str, Any]]:
    """Per kind: latency, the statuses seen, whole answers and client-side errors."""
    groups: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        groups.setdefault(outcome.kind, []).append(outcome)
    summary: dict[str, dict[str, Any]] = {}
    for name, group in groups.items():
        statuses = Counter("none" if o.status is None else str(o.status) for o in group)
        errors = Counter((o.error or "").split(":", 1)[0] for o in group if o.error)
        summary[name] = {
            **latency_summary(group),
            "statuses": dict(sorted(statuses.items())),
            "whole": sum(o.whole for o in group),
            "client_errors": dict(errors),
            "events_median": percentile([float(o.events) for o in group], 0.5) if KINDS[name].stream else None,
        }
    return summary
