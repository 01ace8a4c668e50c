"""A full pass's LLM judge cutting a cluster that holds two problems (gateway/discovery/split_judging.py)."""

from __future__ import annotations

import json
import logging

import httpx
import numpy as np
import openai
import respx
from chat_replies import chat_reply

from clustering.llm_judge import LLMMergeJudge
from clustering.pipeline import DiscoveryParams, describe_clusters
from gateway.discovery.merge_judging import JudgedComplaints, MergeJudging
from gateway.discovery.split_judging import held_by_acted_on, judge_clusters, judge_splits
from gateway.privacy.retention import DEFAULT_JUDGEMENT_LIFETIME
from gateway.store.issue_records import TrackedIssue
from gateway.store.merge_judgements import MergeJudgementStore

URL = "http://llm.test/v1"
CARD = [
    "My new card never arrived in the post",
    "Still waiting for the card you sent two weeks ago",
    "The card delivery is late again",
    "Where is my card? It was supposed to arrive Monday",
]
PASSWORD = [
    "The password reset link does not work",
    "I reset my password and still cannot log in",
    "Password reset email never comes",
]
REFUND = ["My refund has not been paid", "Refund still pending after a month", "You promised a refund and nothing"]


def judging(max_questions: int = 40) -> MergeJudging:
    client = openai.OpenAI(base_url=URL, api_key="key", http_client=httpx.Client(), max_retries=0)
    return MergeJudging(LLMMergeJudge(client, "judge"), max_questions, DEFAULT_JUDGEMENT_LIFETIME)


def small_app():
    """70 complaints as a pass found them: card (40) and password (10) problems in one cluster, refunds (20) in another.

    Returns (clusters, ids, documents, vectors).
    """
    rng = np.random.default_rng(2)
    centres = np.eye(3, 5)
    sizes, topics = [40, 10, 20], [CARD, PASSWORD, REFUND]
    vectors = np.concatenate([c + 0.05 * rng.standard_normal((n, 5)) for c, n in zip(centres, sizes, strict=True)])
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    documents = [topic[row % len(topic)] for topic, n in zip(topics, sizes, strict=True) for row in range(n)]
    ids = [f"i{row}" for row in range(len(documents))]
    labels = np.repeat([0, 0, 1], sizes)
    return describe_clusters(ids, documents, vectors, labels, DiscoveryParams(), 0.8), ids, documents, vectors


def asked_prompts(route) -> list[str]:
    return [json.loads(call.request.content)["messages"][1]["content"] for call in route.calls]


def two_when_one_is_about(word: str):
    """The judge: two problems when exactly one group mentions `word`, else one."""

    def answer(request: httpx.Request) -> httpx.Response:
        first, second = json.loads(request.content)["messages"][1]["content"].split("Group B")
        return chat_reply(json.dumps({"same": (word in first.lower()) == (word in second.lower())}))

    return answer


async def test_a_cluster_the_judge_calls_two_problems_is_cut_in_two():
    clusters, ids, documents, vectors = small_app()
    with respx.mock:
        route = respx.post(f"{URL}/chat/completions").mock(side_effect=two_when_one_is_about("password"))
        judged = await judge_splits(
            clusters, JudgedComplaints(ids, documents, vectors, DiscoveryParams()), judging(), set()
        )

    assert sorted(c.size for c in judged.clusters) == [10, 20, 40]
    assert judged.questions == route.call_count == 1
    [cut] = judged.apart
    assert {judged.clusters[n].size for n in cut} == {10, 40}
    # The judge saw each half's keywords and three typical complaints.
    [prompt] = asked_prompts(route)
    assert prompt.count("Keywords:") == 2 and prompt.count("\n- ") == 6
    assert "password" in prompt.lower() and "card" in prompt.lower()


async def test_when_the_judge_says_one_problem_the_clusters_come_back_as_they_were():
    clusters, ids, documents, vectors = small_app()
    with respx.mock:
        respx.post(f"{URL}/chat/completions").mock(return_value=chat_reply('{"same": true}'))
        judged = await judge_splits(
            clusters, JudgedComplaints(ids, documents, vectors, DiscoveryParams()), judging(), set()
        )

    assert judged.clusters is clusters and judged.questions == 1 and judged.apart == set()


async def test_a_failed_call_leaves_the_cluster_whole_and_says_why(caplog):
    clusters, ids, documents, vectors = small_app()
    with respx.mock, caplog.at_level(logging.WARNING, "feedgate.discovery"):
        respx.post(f"{URL}/chat/completions").mock(return_value=httpx.Response(503))
        judged = await judge_splits(
            clusters, JudgedComplaints(ids, documents, vectors, DiscoveryParams()), judging(), set()
        )

    assert judged.clusters is clusters
    assert "merge judge gave no answer, nothing changes" in caplog.text


async def test_a_malformed_answer_leaves_the_cluster_whole():
    clusters, ids, documents, vectors = small_app()
    with respx.mock:
        respx.post(f"{URL}/chat/completions").mock(return_value=chat_reply("They are different problems."))
        judged = await judge_splits(
            clusters, JudgedComplaints(ids, documents, vectors, DiscoveryParams()), judging(), set()
        )

    assert judged.clusters is clusters


async def test_a_cluster_holding_an_issue_a_person_acted_on_is_never_put_to_the_judge():
    clusters, ids, documents, vectors = small_app()
    mixed = next(n for n, c in enumerate(clusters) if c.size == 50)
    renamed = TrackedIssue("a", "open", np.zeros(5), frozenset(clusters[mixed].member_ids[:3]), None, renamed=True)
    untouched = TrackedIssue("b", "open", np.zeros(5), frozenset(clusters[1 - mixed].member_ids), None)
    tracked = {"a": renamed, "b": untouched}
    with respx.mock:
        route = respx.post(f"{URL}/chat/completions").mock(return_value=chat_reply('{"same": false}'))
        judged = await judge_clusters(
            clusters, JudgedComplaints(ids, documents, vectors, DiscoveryParams()), judging(), tracked
        )

    assert held_by_acted_on(clusters, tracked) == {mixed}
    assert not any("password" in p.lower() and "card" in p.lower() and "Group B" in p for p in asked_prompts(route))
    assert sorted(c.size for c in judged) == [20, 50]


async def test_cuts_and_merges_share_the_bound_cuts_first():
    clusters, ids, documents, vectors = small_app()
    with respx.mock:
        route = respx.post(f"{URL}/chat/completions").mock(side_effect=two_when_one_is_about("password"))
        judged = await judge_clusters(
            clusters, JudgedComplaints(ids, documents, vectors, DiscoveryParams()), judging(1), {}
        )

    # The one question allowed was the cut; no merge question was left.
    assert route.call_count == 1 and sorted(c.size for c in judged) == [10, 20, 40]


async def test_the_merge_judge_never_joins_the_halves_it_was_told_are_two_problems():
    clusters, ids, documents, vectors = small_app()
    with respx.mock:
        # "Two" on the cut; then "same" to any pair not asked before, the halves' included if they were asked.
        respx.post(f"{URL}/chat/completions").mock(
            side_effect=[chat_reply('{"same": false}')] + [chat_reply('{"same": true}')] * 10
        )
        judged = await judge_clusters(
            clusters, JudgedComplaints(ids, documents, vectors, DiscoveryParams()), judging(), {}
        )

    password = set(ids[40:50])
    assert any(set(c.member_ids) == password or password < set(c.member_ids) for c in judged)
    assert not any(password & set(c.member_ids) and set(ids[:40]) & set(c.member_ids) for c in judged)


async def test_answers_kept_in_the_database_are_not_asked_again(engine):
    clusters, ids, documents, vectors = small_app()
    kept = MergeJudgementStore(engine, DEFAULT_JUDGEMENT_LIFETIME)
    with respx.mock:
        route = respx.post(f"{URL}/chat/completions").mock(side_effect=two_when_one_is_about("password"))
        first = await judge_splits(
            clusters, JudgedComplaints(ids, documents, vectors, DiscoveryParams()), judging(), set(), kept
        )
        # A fresh judge, as a new process builds: the database's answer is enough.
        again = await judge_splits(
            clusters, JudgedComplaints(ids, documents, vectors, DiscoveryParams()), judging(), set(), kept
        )

    assert route.call_count == 1
    assert [c.member_ids for c in again.clusters] == [c.member_ids for c in first.clusters]


async def test_an_app_outside_the_small_range_is_not_judged():
    clusters, ids, documents, vectors = small_app()
    with respx.mock:
        route = respx.post(f"{URL}/chat/completions").mock(return_value=chat_reply('{"same": false}'))
        few = JudgedComplaints(ids[:40], documents[:40], vectors[:40], DiscoveryParams())
        judged = await judge_splits(clusters[:1], few, judging(), set())

    assert judged.clusters == clusters[:1] and route.call_count == 0
