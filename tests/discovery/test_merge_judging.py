"""A full pass's LLM merge judge on its own: what it asks, what it joins, and what stays apart (gateway/discovery/merge_judging.py)."""

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
from gateway.discovery.merge_judging import JudgedComplaints, MergeJudging, judge_merges, kept_apart
from gateway.privacy.retention import DEFAULT_JUDGEMENT_LIFETIME
from gateway.store.issue_records import TrackedIssue

URL = "http://llm.test/v1"
TOPICS = ["card never arrived", "card delivery is late", "refund not paid", "password reset broken"]


def judging(max_questions: int = 40) -> MergeJudging:
    client = openai.OpenAI(base_url=URL, api_key="key", http_client=httpx.Client(), max_retries=0)
    return MergeJudging(LLMMergeJudge(client, "judge"), max_questions, DEFAULT_JUDGEMENT_LIFETIME)


def small_app(per_topic: int = 15):
    """60 complaints in 4 clusters (the first two close), as a pass describes them: (clusters, ids, documents, vectors)."""
    rng = np.random.default_rng(1)
    centres = np.array([[1.0, 0.0, 0.0, 0.0], [0.85, 0.5, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
    vectors = np.concatenate([c + 0.05 * rng.standard_normal((per_topic, 4)) for c in centres])
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    labels = np.repeat(np.arange(4), per_topic)
    documents = [f"{TOPICS[label]} (complaint {row})" for row, label in enumerate(labels)]
    ids = [f"i{row}" for row in range(len(labels))]
    return describe_clusters(ids, documents, vectors, labels, DiscoveryParams(), 0.8), ids, documents, vectors


def issue(issue_id: str, members: list[str], **person) -> TrackedIssue:
    return TrackedIssue(issue_id, person.pop("status", "open"), np.zeros(4), frozenset(members), None, **person)


async def test_clusters_the_judge_calls_one_problem_are_joined():
    clusters, ids, documents, vectors = small_app()
    with respx.mock:
        route = respx.post(f"{URL}/chat/completions").mock(side_effect=_same_when_both_about("card"))
        joined = await judge_merges(
            clusters, JudgedComplaints(ids, documents, vectors, DiscoveryParams()), judging(), set()
        )

    assert len(joined) == 3
    assert sorted(c.size for c in joined) == [15, 15, 30]
    assert 1 <= route.call_count <= 6


async def test_when_the_judge_says_no_the_clusters_come_back_as_they_were():
    clusters, ids, documents, vectors = small_app()
    with respx.mock:
        respx.post(f"{URL}/chat/completions").mock(return_value=chat_reply('{"same": false}'))
        judged = await judge_merges(
            clusters, JudgedComplaints(ids, documents, vectors, DiscoveryParams()), judging(), set()
        )

    assert judged is clusters


async def test_a_failed_call_leaves_its_pair_apart_and_says_why(caplog):
    clusters, ids, documents, vectors = small_app()
    with respx.mock, caplog.at_level(logging.WARNING, "feedgate.discovery"):
        respx.post(f"{URL}/chat/completions").mock(return_value=httpx.Response(503))
        judged = await judge_merges(
            clusters, JudgedComplaints(ids, documents, vectors, DiscoveryParams()), judging(), set()
        )

    assert judged is clusters
    assert "merge judge gave no answer, nothing changes" in caplog.text


async def test_a_malformed_answer_leaves_its_pair_apart_and_says_why(caplog):
    clusters, ids, documents, vectors = small_app()
    with respx.mock, caplog.at_level(logging.WARNING, "feedgate.discovery"):
        respx.post(f"{URL}/chat/completions").mock(return_value=chat_reply("Yes, they are the same."))
        judged = await judge_merges(
            clusters, JudgedComplaints(ids, documents, vectors, DiscoveryParams()), judging(), set()
        )

    assert judged is clusters
    assert "not JSON" in caplog.text


async def test_a_pass_asks_at_most_its_bound():
    clusters, ids, documents, vectors = small_app()
    with respx.mock:
        route = respx.post(f"{URL}/chat/completions").mock(return_value=chat_reply('{"same": false}'))
        await judge_merges(
            clusters, JudgedComplaints(ids, documents, vectors, DiscoveryParams()), judging(max_questions=2), set()
        )

    assert route.call_count == 2


async def test_answers_kept_from_an_earlier_pass_are_not_asked_again():
    clusters, ids, documents, vectors = small_app()
    judge = judging()
    with respx.mock:
        route = respx.post(f"{URL}/chat/completions").mock(return_value=chat_reply('{"same": false}'))
        await judge_merges(clusters, JudgedComplaints(ids, documents, vectors, DiscoveryParams()), judge, set())
        asked = route.call_count
        await judge_merges(clusters, JudgedComplaints(ids, documents, vectors, DiscoveryParams()), judge, set())

    assert asked > 0 and route.call_count == asked


async def test_an_app_outside_the_small_range_is_not_judged():
    clusters, ids, documents, vectors = small_app(per_topic=10)  # 40 complaints: a tiny app
    with respx.mock:
        route = respx.post(f"{URL}/chat/completions").mock(return_value=chat_reply('{"same": true}'))
        judged = await judge_merges(
            clusters, JudgedComplaints(ids, documents, vectors, DiscoveryParams()), judging(), set()
        )

    assert judged is clusters and route.call_count == 0


async def test_two_issues_a_person_acted_on_are_never_put_to_the_judge():
    clusters, ids, documents, vectors = small_app()
    card_clusters = [n for n, c in enumerate(clusters) if "card" in c.representative_texts[0]]
    tracked = {
        "a": issue("a", list(clusters[card_clusters[0]].member_ids), status="resolved"),
        "b": issue("b", list(clusters[card_clusters[1]].member_ids), renamed=True),
    }
    apart = kept_apart(clusters, tracked)
    assert apart == {frozenset(card_clusters)}
    with respx.mock:
        respx.post(f"{URL}/chat/completions").mock(return_value=chat_reply('{"same": true}'))
        judged = await judge_merges(
            clusters, JudgedComplaints(ids, documents, vectors, DiscoveryParams()), judging(), apart
        )

    # The judge says "same" to everything: other pairs are joined, never the two cards' issues.
    assert len(judged) < len(clusters)
    first, second = (set(tracked[key].member_ids) for key in "ab")
    assert not any(first & set(c.member_ids) and second & set(c.member_ids) for c in judged)


def test_an_issue_nobody_acted_on_keeps_no_pair_apart():
    clusters, *_ = small_app()
    tracked = {
        "a": issue("a", list(clusters[0].member_ids)),
        "b": issue("b", list(clusters[1].member_ids), status="dismissed"),
    }

    assert kept_apart(clusters, tracked) == set()


def _same_when_both_about(word: str):
    def answer(request: httpx.Request) -> httpx.Response:
        prompt = json.loads(request.content)["messages"][1]["content"]
        first, second = prompt.split("Group B")
        return chat_reply(json.dumps({"same": word in first and word in second}))

    return answer
