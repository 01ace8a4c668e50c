"""KnowledgePolicy with the real embedder: what it claims, what it adds, its note, and its query cache."""

from __future__ import annotations

import asyncio
import time

import pytest
from kb_helpers import ENTRIES, FEES, build, default_format

from gateway.knowledge.index import RetrievalSettings
from gateway.knowledge.policy import KnowledgePolicy
from gateway.knowledge.query import QueryEmbedder, retrieval_question
from gateway.proxy.policy import Pass, PolicyRequest, ReplaceBody


class CountingEmbedder:
    """The real embedder, counting the texts it was asked to embed."""

    def __init__(self, embedder) -> None:
        self._embedder = embedder
        self.model_name = embedder.model_name
        self.embedded: list[str] = []

    def embed(self, texts):
        self.embedded.extend(texts)
        return self._embedder.embed(texts)


@pytest.fixture
def counting(embedder) -> CountingEmbedder:
    return CountingEmbedder(embedder)


@pytest.fixture
def policy(embedder, counting) -> KnowledgePolicy:
    snapshots = {"bank": build(embedder)}

    async def get_embedder():
        return counting

    return KnowledgePolicy(
        snapshots.get,
        QueryEmbedder(get_embedder, size=100),
        RetrievalSettings(threshold=0.5, top_k=2),
        default_format(),
    )


def call(request_json: dict, endpoint: str = "chat.completions", app: str = "bank") -> PolicyRequest:
    return PolicyRequest("i-1", app, endpoint, request_json, None, None, [])


def chat(question: str, system: str | None = None) -> dict:
    messages = [{"role": "system", "content": system}] if system else []
    return {"model": "m", "messages": [*messages, {"role": "user", "content": question}]}


def test_claims_only_apps_with_entries_and_endpoints_that_take_a_system_message(policy):
    assert policy.applies_to("bank", "chat.completions")
    assert policy.applies_to("bank", "responses")
    assert not policy.applies_to("bank", "embeddings")
    assert not policy.applies_to("bank", "completions")
    assert not policy.applies_to("other", "chat.completions")


async def test_a_matching_question_gets_the_entry_and_a_note_naming_it(policy):
    request = chat("What is the fee for sending money abroad?", system="You are a bank assistant.")

    decision = await policy.before(call(request))

    assert isinstance(decision, ReplaceBody)
    messages = decision.json["messages"]
    assert messages[0] == {"role": "system", "content": "You are a bank assistant."}
    assert messages[1]["role"] == "system" and FEES.content in messages[1]["content"]
    assert messages[2] == request["messages"][1]
    [noted] = decision.note["entries"]
    assert (noted["id"], noted["version"]) == (FEES.id, FEES.version)
    assert noted["score"] > 0.5


async def test_a_chained_responses_turn_gets_the_entry_in_instructions_and_its_input_as_sent(policy):
    # An input item is stored upstream with the turn: each later turn chained by previous_response_id added
    # another copy to the conversation. Instructions are not carried over to the next turn.
    request = {
        "model": "m",
        "instructions": "Be brief.",
        "previous_response_id": "resp_1",
        "input": [{"role": "user", "content": "How much does an international transfer cost?"}],
    }

    decision = await policy.before(call(request, endpoint="responses"))

    assert isinstance(decision, ReplaceBody)
    assert decision.json["input"] == request["input"]
    own, reference = decision.json["instructions"].split("\n\n", 1)
    assert own == "Be brief." and reference.startswith("Reference data") and FEES.content in reference


async def test_no_match_passes_the_request_as_it_is_noting_the_closest_entry_and_the_threshold(policy):
    decision = await policy.before(call(chat("Who won the football world cup in 1998?")))

    assert isinstance(decision, Pass)
    assert decision.note is not None and decision.note["threshold"] == 0.5
    closest = decision.note["closest"]
    assert closest["id"] in {entry.id for entry in ENTRIES} and closest["score"] < 0.5


async def test_an_entry_scoring_just_under_the_threshold_is_named_as_the_closest(embedder):
    question = "What transfer fee do I pay for sending money to Spain?"
    index = build(embedder)
    asked = retrieval_question(question)
    vector = await QueryEmbedder(_returning(embedder), size=10).embed(asked)
    fees_score = float(index.scores(vector, asked)[0])
    # A threshold just above the entry's score: the search finds nothing at it.
    threshold = round(fees_score + 0.01, 4)
    policy = KnowledgePolicy(
        {"bank": index}.get,
        QueryEmbedder(_returning(embedder), size=10),
        RetrievalSettings(threshold=threshold, top_k=2),
        default_format(),
    )

    decision = await policy.before(call(chat(question)))

    assert isinstance(decision, Pass)
    assert decision.note == {
        "threshold": threshold,
        "closest": {"id": FEES.id, "version": FEES.version, "title": FEES.title, "score": round(fees_score, 4)},
    }


def _returning(embedder):
    async def get_embedder():
        return embedder

    return get_embedder


async def test_a_repeated_question_is_embedded_once(policy, counting):
    question = "When will my new card arrive?"

    await policy.before(call(chat(question)))
    await policy.before(call(chat(question)))
    await asyncio.gather(*(policy.before(call(chat("Can I reset my PIN?"))) for _ in range(3)))

    assert counting.embedded == [question, "Can I reset my PIN?"]


async def test_the_embedding_runs_off_the_event_loop(embedder):
    loop_thread_ids: list[int] = []

    class ThreadRecordingEmbedder(CountingEmbedder):
        def embed(self, texts):
            import threading

            loop_thread_ids.append(threading.get_ident())
            return super().embed(texts)

    async def get_embedder():
        return ThreadRecordingEmbedder(embedder)

    import threading

    await QueryEmbedder(get_embedder, size=10).embed("hello")

    assert loop_thread_ids and loop_thread_ids[0] != threading.get_ident()


async def test_a_huge_message_costs_the_event_loop_no_more_than_the_part_that_is_embedded(embedder, counting):
    # Requests may be 32 MB: matching every word of a multi-megabyte message against the entries ran on the
    # event loop (about 0.2 s of CPU a megabyte), stalling every other call, though only its first
    # MAX_QUESTION_CHARS are embedded. Measured as this thread's CPU time, so a busy machine does not matter.
    async def get_embedder():
        return counting

    policy = KnowledgePolicy(
        {"bank": build(embedder)}.get,
        QueryEmbedder(get_embedder, size=10),
        RetrievalSettings(threshold=0.5, top_k=2, lexical_weight=0.2, margin=0.05),
        default_format(),
    )
    huge = "What is the fee for sending money abroad? " + " ".join(f"w{n}" for n in range(400_000))
    request = call(chat(huge))
    await policy.before(request)  # the question's vector is cached from here on

    started = time.thread_time()
    decision = await policy.before(request)
    spent = time.thread_time() - started

    assert isinstance(decision, ReplaceBody) and FEES.content in decision.json["messages"][0]["content"]
    assert spent < 0.05, f"{spent:.3f} s of the event loop's CPU for one request"
