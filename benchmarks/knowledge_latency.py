"""The knowledge policy's cost per request with 1,000 active entries (run by knowledge_retrieval.py).

Times `KnowledgePolicy.before()` as the proxy calls it, with the gateway's default settings: for
questions never seen (the query is embedded by the bundled model in a worker thread) and for the
same questions again (an LRU hit). A ticker sleeping 1 ms on the event loop records the loop's
worst stall meanwhile; for contrast, the same embeddings run on the loop itself.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence

import numpy as np

from clustering.embed import Embedder
from gateway.config import Settings
from gateway.knowledge.index import IndexedEntry, RetrievalSettings, build_index, index_texts
from gateway.knowledge.injection import InjectionFormat
from gateway.knowledge.policy import KnowledgePolicy
from gateway.knowledge.query import QueryEmbedder
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
    """How late the event loop runs a task that wants to wake every 1 ms: its stalls, worst and p99."""

    def __init__(self) -> None:
        self.lateness: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(0.001)
            self.lateness.append(time.perf_counter() - started - 0.001)

    async def __aenter__(self) -> LoopWatch:
        self._task = asyncio.create_task(self._tick())
        await asyncio.sleep(0.01)
        self.lateness.clear()
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._task is not None
        await asyncio.sleep(0.005)  # lets the ticker see a stall that lasted until the end
        self._task.cancel()

    def stalls(self) -> tuple[float, float]:
        """The p99 and the worst lateness, in ms."""
        if not self.lateness:
            return 0.0, 0.0
        ordered = sorted(self.lateness)
        return ordered[int(len(ordered) * 0.99)] * 1000, ordered[-1] * 1000


def percentiles(times: Sequence[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered) * 1000, ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


async def timed(calls: Sequence[Callable[[], Awaitable[object]]]) -> tuple[list[float], float, tuple[float, float]]:
    """Each call's wall time (one after another, as separate requests), its mean CPU time in ms, the loop's stalls.

    CPU time (all threads of the process) is what the call costs whatever else the machine runs;
    wall time on a shared machine also counts waiting for a core.
    """
    times = []
    cpu = 0.0
    async with LoopWatch() as watch:
        for call in calls:
            started, started_cpu = time.perf_counter(), time.process_time()
            await call()
            times.append(time.perf_counter() - started)
            cpu += time.process_time() - started_cpu
            await asyncio.sleep(0.002)  # the gap between two requests, when the ticker gets its turn
    return times, cpu / max(len(calls), 1) * 1000, watch.stalls()


async def latency(
    runs: int,
    embedder: Embedder,
    embed: Callable[[Sequence[str]], np.ndarray],
    train: Sequence[tuple[str, str]],
    questions: Sequence[str],
    entry_for: Callable[..., IndexedEntry],
) -> None:
    """Print the cost table for `runs` distinct questions against 1,000 entries."""
    settings = Settings()
    entries = thousand_entries(train, entry_for)
    started = time.perf_counter()
    index = build_index(entries, embed(index_texts(entries)))
    print(f"\n### Request-time cost, {len(index)} active entries ({time.perf_counter() - started:.0f} s to build)\n")
    retrieval = RetrievalSettings(
        settings.knowledge_threshold, settings.knowledge_top_k, settings.knowledge_lexical_weight, settings.knowledge_margin
    )

    async def the_embedder() -> Embedder:
        return embedder

    policy = KnowledgePolicy(
        lambda app: index,
        QueryEmbedder(the_embedder, settings.knowledge_query_cache_size),
        retrieval,
        InjectionFormat(settings.knowledge_message_header, settings.knowledge_entry_template),
    )
    asked = list(dict.fromkeys(questions))[:runs]

    def before(question: str) -> Callable[[], Awaitable[object]]:
        request = {"model": "m", "messages": [{"role": "system", "content": "You help bank customers."},
                                              {"role": "user", "content": question}]}
        return lambda: policy.before(PolicyRequest("i", "bench", "chat.completions", request, None, None, []))

    vectors = embedder.embed(asked)

    async def search_only(position: int) -> None:
        index.search(vectors[position], asked[position], retrieval)

    rows = []
    rows.append(("before(), question not seen before (embedded in a worker thread)",
                 *await timed([before(question) for question in asked])))
    rows.append(("before(), repeated question (cached embedding)", *await timed([before(question) for question in asked])))
    rows.append(("the search alone (1,000 entries, vector given)",
                 *await timed([lambda p=p: search_only(p) for p in range(len(asked))])))

    async def inline(question: str) -> None:
        embedder.embed([question])  # on the loop: what to_thread avoids

    rows.append(("contrast: the embedding run on the event loop (50 questions)",
                 *await timed([lambda q=q: inline(q) for q in asked[:50]])))
    print("| what | runs | p50 ms | p99 ms | CPU ms per call | event loop stall p99 / worst, ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, times, cpu, (stall_p99, worst) in rows:
        p50, p99 = percentiles(times)
        print(f"| {name} | {len(times)} | {p50:.2f} | {p99:.2f} | {cpu:.2f} | {stall_p99:.1f} / {worst:.1f} |")
