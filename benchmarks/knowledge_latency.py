"""The knowledge policy's cost per request with 1,000 active entries (run by knowledge_retrieval.py).

Times `KnowledgePolicy.before()` as the proxy calls it, with the gateway's default settings, for
questions never seen, in several ways taken turn about on the same questions (so all see the same
load on a shared machine): the question embedded by each ONNX copy of the bundled model
(`knowledge_query_embedder = "onnx-int8"`, the default, and `"onnx"`, float) and by
sentence-transformers (`"model"`), each in a worker thread; then the same questions again (an
LRU hit), each copy's embedding of one question alone (called directly, as the worker thread
does), and the search alone. A ticker sleeping 1 ms on the event loop records how late the loop
runs while each call is in flight; for contrast, the sentence-transformers embedding run on the
loop itself. Run it under `taskset -c 0` for one core's numbers.
"""

from __future__ import annotations

import asyncio
import bisect
import statistics
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence

import numpy as np

from clustering.embed import Embedder
from gateway.config import Settings
from gateway.embedder import LazyEmbedder
from gateway.knowledge.index import (
    IndexedEntry,
    RetrievalSettings,
    build_index,
    index_texts,
)
from gateway.knowledge.injection import InjectionFormat
from gateway.knowledge.policy import KnowledgePolicy
from gateway.knowledge.query import QueryEmbedder
from gateway.knowledge.query_model import QuestionModel
from gateway.proxy.policy import PolicyRequest

ENTRIES = 1_000
PER_ENTRY = 7


def thousand_entries(train: Sequence[tuple[str, str]], entry_for: Callable[..., IndexedEntry]) -> list[IndexedEntry]:
    """1,000 entries: each intent in turn, each entry from the next 7 train queries of its intent."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    for text, intent in train:
        by_intent[intent].append(text)
    intents = sorted(by_intent)
    entries = []
    for number in range(ENTRIES):
        intent = intents[number % len(intents)]
        pool = by_intent[intent]
        start = (number // len(intents)) * PER_ENTRY
        examples = [pool[(start + offset) % len(pool)] for offset in range(PER_ENTRY)]
        entries.append(entry_for(intent, examples, entry_id=f"{intent}-{number // len(intents)}"))
    return entries


class LoopWatch:
    """How late the event loop runs a task that wants to wake every 1 ms, booked to the calls its wait overlapped.

    A call that blocks the loop holds the ticker's wake-up until after the call returns, so a
    lateness is booked to every call that ran at any time during that tick's wait.
    """

    def __init__(self) -> None:
        self._ticks: list[tuple[float, float, float]] = []  # (wait started, woke, lateness)
        self._calls: list[tuple[str, float, float]] = []  # (row, started, ended)
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(0.001)
            woke = time.perf_counter()
            self._ticks.append((started, woke, woke - started - 0.001))

    def record(self, row: str, started: float, ended: float) -> None:
        """Note that a call of `row` ran from `started` to `ended` (perf_counter seconds)."""
        self._calls.append((row, started, ended))

    async def __aenter__(self) -> LoopWatch:
        self._task = asyncio.create_task(self._tick())
        await asyncio.sleep(0.01)
        self._ticks.clear()
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._task is not None
        await asyncio.sleep(0.005)  # lets the ticker see a stall that lasted until the end
        self._task.cancel()

    def stalls(self, row: str) -> tuple[float, float]:
        """The p99 and the worst lateness of the ticks that overlapped a call of `row`, in ms."""
        calls = sorted((started, ended) for name, started, ended in self._calls if name == row)
        starts = [started for started, _ in calls]
        lateness = []
        for tick_start, tick_end, late in self._ticks:
            # The calls that started before the tick woke; the last of them is the only candidate
            # that can still be running (calls of one row never overlap each other).
            position = bisect.bisect_left(starts, tick_end) - 1
            if position >= 0 and calls[position][1] > tick_start:
                lateness.append(late)
        if not lateness:
            return 0.0, 0.0
        ordered = sorted(lateness)
        return ordered[int(len(ordered) * 0.99)] * 1000, ordered[-1] * 1000


def percentile(ordered: Sequence[float], share: float) -> float:
    """The `share` percentile of sorted seconds, in ms (nearest rank)."""
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000


Call = Callable[[], Awaitable[object]]


async def timed_rows(rows: dict[str, Sequence[Call]]) -> list[tuple[str, list[float], float, tuple[float, float]]]:
    """Each row's calls taken turn about with the other rows' (as separate requests): wall times, mean CPU ms, stalls.

    CPU time (all threads of the process) is what a call costs whatever else the machine runs;
    wall time on a shared machine also counts waiting for a core. Taking the rows in turn puts
    them under the same load.
    """
    times: dict[str, list[float]] = {name: [] for name in rows}
    cpu: dict[str, float] = dict.fromkeys(rows, 0.0)
    async with LoopWatch() as watch:
        for position in range(max(len(calls) for calls in rows.values())):
            for name, calls in rows.items():
                if position >= len(calls):
                    continue
                started, started_cpu = time.perf_counter(), time.process_time()
                await calls[position]()
                ended = time.perf_counter()
                times[name].append(ended - started)
                cpu[name] += time.process_time() - started_cpu
                watch.record(name, started, ended)
                await asyncio.sleep(0.002)  # the gap between two requests, when the ticker gets its turn
    return [(name, times[name], cpu[name] / max(len(times[name]), 1) * 1000, watch.stalls(name)) for name in rows]


async def latency(
    runs: int,
    embedder: Embedder,
    embed: Callable[[Sequence[str]], np.ndarray],
    train: Sequence[tuple[str, str]],
    questions: Sequence[str],
    entry_for: Callable[..., IndexedEntry],
    copies: Mapping[str, Callable[[], Embedder]],
) -> None:
    """Print the cost table for `runs` distinct questions against 1,000 entries; `copies` builds each ONNX copy by setting."""
    settings = Settings()
    entries = thousand_entries(train, entry_for)
    started = time.perf_counter()
    index = build_index(entries, embed(index_texts(entries)))
    print(f"\n### Request-time cost, {len(index)} active entries ({time.perf_counter() - started:.0f} s to build)\n")
    retrieval = RetrievalSettings(
        settings.knowledge_threshold,
        settings.knowledge_top_k,
        settings.knowledge_lexical_weight,
        settings.knowledge_margin,
    )
    injection = InjectionFormat(settings.knowledge_message_header, settings.knowledge_entry_template)
    product = LazyEmbedder.holding(embedder)
    # The gateway's own wiring for each setting (gateway/knowledge/setup.py), each ONNX copy prepared first.
    sources: dict[str, QuestionModel] = {}
    for setting, build in copies.items():
        sources[setting] = QuestionModel(product, build, embedder.model_name)
        started = time.perf_counter()
        sources[setting].prepare()
        if not sources[setting].wait():
            raise SystemExit(f"the ONNX copy for {setting!r} could not be prepared: see the log")
        print(f"`{setting}` ready in {time.perf_counter() - started:.1f} s (made now if it was not cached)")
    sources["model"] = QuestionModel(product, None, "")
    fast = {setting: await sources[setting]() for setting in copies}
    policies = {
        setting: KnowledgePolicy(
            lambda app: index, QueryEmbedder(source, settings.knowledge_query_cache_size), retrieval, injection
        )
        for setting, source in sources.items()
    }
    asked = list(dict.fromkeys(questions))[:runs]
    default = settings.knowledge_query_embedder

    def before(policy: KnowledgePolicy, question: str) -> Call:
        request = {
            "model": "m",
            "messages": [
                {"role": "system", "content": "You help bank customers."},
                {"role": "user", "content": question},
            ],
        }
        return lambda: policy.before(PolicyRequest("i", "bench", "chat.completions", request, None, None, []))

    vectors = embedder.embed(asked)

    async def search_only(position: int) -> None:
        index.search(vectors[position], asked[position], retrieval)

    async def alone(copy: Embedder, question: str) -> None:
        copy.embed([question])  # what the worker thread runs, without the thread hop and the search

    async def inline(question: str) -> None:
        embedder.embed([question])  # on the loop: what to_thread avoids

    def label(setting: str) -> str:
        return f"`{setting}`{' (default)' if setting == default else ''}"

    rows = await timed_rows(
        {
            f"before(), new question, {label(setting)} in a worker thread": [
                before(policy, question) for question in asked
            ]
            for setting, policy in policies.items()
        }
    )
    rows += await timed_rows(
        {"before(), repeated question (cached embedding)": [before(policies[default], question) for question in asked]}
    )
    rows += await timed_rows(
        {
            f"one question's embedding alone, {label(setting)}": [lambda c=copy, q=q: alone(c, q) for q in asked]
            for setting, copy in fast.items()
        }
    )
    rows += await timed_rows(
        {
            "the search alone (1,000 entries, vector given)": [lambda p=p: search_only(p) for p in range(len(asked))],
        }
    )
    rows += await timed_rows(
        {
            "contrast: sentence-transformers run on the event loop (50 questions)": [
                lambda q=q: inline(q) for q in asked[:50]
            ],
        }
    )
    print("\n| what | runs | p50 ms | p95 ms | p99 ms | CPU ms per call | event loop stall p99 / worst, ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, times, cpu, (stall_p99, worst) in rows:
        ordered = sorted(times)
        print(
            f"| {name} | {len(times)} | {statistics.median(ordered) * 1000:.2f} | {percentile(ordered, 0.95):.2f} | "
            f"{percentile(ordered, 0.99):.2f} | {cpu:.2f} | {stall_p99:.1f} / {worst:.1f} |"
        )
