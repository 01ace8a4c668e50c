"""Erasing an end user who only complained about other users' answers, after a real clustering pass.

Nine customers ask the gateway 36 real banking questions (banking77's test set: card arrival, exchange
rates, blocked PINs) through the proxy; "victim" gives six card-arrival answers a thumbs-down through the
app's key with a comment and a correction holding a word nobody else uses ("walrus"), and other users complain about the
rest (bob about one of the victim's answers too). A real pass with the bundled model makes the issues,
their examples and the issue rule's review task, which quote the comment; then `POST /api/erasures`
erases "victim". Afterwards no text docs/privacy.md says erasure scrubs holds the word, the answers only the
victim complained about are no longer members, sizes and negative counts match the members, and a
second pass runs cleanly without bringing a copy back.
"""

from __future__ import annotations

import csv
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from clustering import SentenceTransformerEmbedder
from clustering.documents import DEFAULT_RECIPE, build_document
from clustering.embed import content_hash
from gateway.app import FeedgateApp
from gateway.config import Settings
from gateway.discovery.items import load_negative_items
from gateway.discovery.job import run_clustering_pass
from gateway.embedder import LazyEmbedder
from gateway.store.negative_feedback import NegativeFeedbackStore
from gateway.store.tables import embeddings, feedback, issue_members, issues, metadata, reduction_points

BANKING77 = Path(__file__).resolve().parents[3] / "shared" / "data" / "banking77" / "test.csv"
APP_KEY = "sk-bank-app"
VICTIM = "victim"
VICTIM_COMMENT = "Still no card and this reply just stalls me, walrus pace service"
# The victim's correction says it too: issue keywords rank a comment's own words after those of the
# questions and corrections (clustering.label.ctfidf_keywords), and the title must quote the victim.
VICTIM_CORRECTION = "It should say when my card comes, not stall me at walrus pace"
# Words of the victim's comment no other text here uses ("walrus" above all); the setup checks that.
VICTIM_WORDS = re.compile(r"\b(walrus|stalls|pace)\b", re.IGNORECASE)
CUSTOMERS = [f"customer{n}" for n in range(9)]
PER_TOPIC = 12
# How many card-arrival answers the victim complains about (the first ones); bob also complains about the first.
VICTIM_RATED = 6
COMPLAINTS = {
    "card_arrival": [
        "my card has still not been delivered",
        "the delivery date it gave was wrong",
        "no tracking number was given for my card",
        "it did not say when my card arrives",
        "still waiting for the card, no help at all",
        "the answer ignored that my card is late",
    ],
    "exchange_rate": [
        "the exchange rate it quoted was wrong",
        "it did not tell me the exchange rate",
        "the rate shown differs from the one I got",
        "no answer about the currency exchange rate",
        "wrong information about exchange fees",
        "it never explained how the rate is set",
    ],
    "pin_blocked": [
        "it did not explain how to unblock my PIN",
        "my PIN is still blocked",
        "the steps to unlock my PIN did not work",
        "no help with my blocked card PIN",
        "it told me nothing about resetting the PIN",
        "the PIN unblock answer was useless",
    ],
}
BOB_COMMENT = "my card has not arrived, this answer is no help"
# What docs/privacy.md says erasure leaves as it was (people's own writing, the append-only audit log).
KEPT_AS_WRITTEN = {
    "audit_log",
    "knowledge_entries",
    "knowledge_entry_versions",
    "prompt_versions",
    "review_decisions",
}


def questions(intent: str) -> list[str]:
    """The first PER_TOPIC real customer queries of one banking77 intent."""
    with BANKING77.open(newline="") as handle:
        texts = [row["text"].strip() for row in csv.DictReader(handle) if row["category"] == intent]
    return texts[:PER_TOPIC]


@pytest.fixture(scope="module")
def embedder() -> SentenceTransformerEmbedder:
    """The packaged all-MiniLM-L6-v2, loaded once for the module."""
    model = SentenceTransformerEmbedder()
    model.embed(["warm up"])
    return model


@pytest.fixture
def settings(settings: Settings, monkeypatch: pytest.MonkeyPatch, embedder: SentenceTransformerEmbedder) -> Settings:
    """The gateway shares the module's embedder; the issue rule opens a task for a small app's issues.

    Only the issue rule: every answer here gets a thumbs-down, so the similar-negative rule opens a
    task on whichever answer its background check reaches first, and when that is a card answer the
    card issue's task is that task, with the rule's reason and not the issue's (the setup's check).
    """
    monkeypatch.setattr(
        "gateway.services_setup.product_embedder", lambda settings, environ: LazyEmbedder.holding(embedder)
    )
    return settings.model_copy(update={"review_issue_min_size": 3, "review_similar_negative_rule": False})


@dataclass(frozen=True)
class Walrus:
    """The stored traffic after the first pass: which answers the victim complained about, and their documents."""

    app: str
    victim_only: list[str]
    shared: str
    victim_documents: set[str]


async def ask(client: httpx.AsyncClient, user: str, question: str) -> str:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": question}]}
    headers = {"authorization": f"Bearer {APP_KEY}", "x-feedgate-user": user}
    response = await client.post("/v1/chat/completions", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.headers["x-feedgate-interaction-id"]


async def thumbs_down(
    client: httpx.AsyncClient, interaction_id: str, user: str, comment: str, correction: str | None = None
) -> None:
    """The app, with its own key, posts its user's complaint about any of its answers."""
    body = {"interaction_id": interaction_id, "thumbs": "down", "comment": comment, "user_id": user}
    if correction is not None:
        body["correction"] = correction
    response = await client.post("/v1/feedback", json=body, headers={"authorization": f"Bearer {APP_KEY}"})
    assert response.status_code == 201, response.text


async def rows(engine: AsyncEngine, table: Any) -> list[dict[str, Any]]:
    async with engine.connect() as connection:
        return [dict(row) for row in (await connection.execute(select(table))).mappings()]


def quotes_victim(value: Any) -> bool:
    if isinstance(value, str):
        return VICTIM_WORDS.search(value) is not None
    if isinstance(value, (dict, list)):
        return VICTIM_WORDS.search(orjson.dumps(value).decode()) is not None
    return False


async def holding_victim_words(engine: AsyncEngine) -> set[str]:
    """Every `table.column` of a scrubbed table that still holds one of the victim's own words somewhere."""
    found = set()
    for table in metadata.sorted_tables:
        if table.name in KEPT_AS_WRITTEN:
            continue
        for row in await rows(engine, table):
            found |= {f"{table.name}.{column}" for column, value in row.items() if quotes_victim(value)}
    return found


async def cache_keys_held(engine: AsyncEngine) -> set[str]:
    """The embedding-cache keys and the kept fit's landmark keys."""
    async with engine.connect() as connection:
        cached = set((await connection.execute(select(embeddings.c.content_hash))).scalars())
        landmarks = set((await connection.execute(select(reduction_points.c.content_hash))).scalars())
    return cached | {key for key in landmarks if key}


async def membership(engine: AsyncEngine) -> dict[str, set[str]]:
    """Each issue's members, by issue id (issues without members included)."""
    found: dict[str, set[str]] = {row["id"]: set() for row in await rows(engine, issues)}
    for row in await rows(engine, issue_members):
        found[row["issue_id"]].add(row["interaction_id"])
    return found


async def pass_runs(engine: AsyncEngine, settings: Settings, embedder: SentenceTransformerEmbedder) -> None:
    summary = await run_clustering_pass(engine, settings, embedder)
    assert not summary.already_running
    assert [app.run_id is not None for app in summary.apps] == [True]


@pytest.fixture
async def walrus(
    client: httpx.AsyncClient,
    gateway: FeedgateApp,
    engine: AsyncEngine,
    settings: Settings,
    embedder: SentenceTransformerEmbedder,
) -> AsyncIterator[Walrus]:
    asked: dict[str, list[str]] = {}
    n = 0
    for intent in COMPLAINTS:
        asked[intent] = []
        for question in questions(intent):
            asked[intent].append(await ask(client, CUSTOMERS[n % len(CUSTOMERS)], question))
            n += 1
    cards = asked["card_arrival"]
    for intent, answers in asked.items():
        others = answers[VICTIM_RATED:] if intent == "card_arrival" else answers
        comments = COMPLAINTS[intent]
        for k, interaction_id in enumerate(others):
            # Not the asker: other users, too, complain about answers someone else got.
            await thumbs_down(client, interaction_id, f"rater{k % 4}", comments[k % len(comments)])
    # The victim's complaints come last: the card issue holds all twelve card answers, and its task
    # suggests from the newest comments, which are then the victim's.
    for interaction_id in cards[:VICTIM_RATED]:
        await thumbs_down(client, interaction_id, VICTIM, VICTIM_COMMENT, VICTIM_CORRECTION)
    await thumbs_down(client, cards[0], "bob", BOB_COMMENT)
    await gateway.services.writer.flush()

    await pass_runs(engine, settings, embedder)

    [app] = await NegativeFeedbackStore(engine).apps()
    documents = {build_document(item, DEFAULT_RECIPE) for item in (await load_negative_items(engine, app)).items}
    victim_documents = {content_hash(document) for document in documents if VICTIM_WORDS.search(document)}
    # The setup holds: the pass embedded the victim's documents; its issue's title, keywords and examples and
    # the issue rule's task quote the comment; and nothing but the victim's complaints holds its words.
    assert len(victim_documents) == VICTIM_RATED
    assert victim_documents <= await cache_keys_held(engine)
    quoted = await holding_victim_words(engine)
    made_of_it = {"issues.title", "issues.keywords", "issues.examples", "review_tasks.reason", "review_tasks.evidence"}
    made_of_it |= {"review_tasks.suggested_action", "review_events.detail"}
    assert made_of_it <= quoted, quoted
    assert not [place for place in quoted if place.startswith("interactions.")], quoted
    commenters = [row["user_id"] for row in await rows(engine, feedback) if quotes_victim(row["comment"])]
    assert commenters == [VICTIM] * VICTIM_RATED
    members = set().union(*(await membership(engine)).values())
    assert set(cards[:VICTIM_RATED]) <= members
    yield Walrus(app, cards[1:VICTIM_RATED], cards[0], victim_documents)


async def erase(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    response = await client.post("/api/erasures", json={"user": VICTIM}, headers=admin_headers)
    assert response.status_code == 200, response.text
    assert response.json()["removed"]["feedback"] == VICTIM_RATED


async def test_no_scrubbed_text_quotes_the_erased_users_comment(walrus, client, admin_headers, engine):
    await erase(client, admin_headers)

    assert await holding_victim_words(engine) == set()


async def test_the_cache_keeps_no_key_of_the_erased_users_documents(walrus, client, admin_headers, engine):
    await erase(client, admin_headers)

    assert walrus.victim_documents & await cache_keys_held(engine) == set()


async def test_answers_only_the_erased_user_complained_about_leave_and_the_counts_match_the_members(
    walrus, client, admin_headers, engine
):
    await erase(client, admin_headers)

    by_issue = await membership(engine)
    members = set().union(*by_issue.values())
    assert (members & set(walrus.victim_only), walrus.shared in members) == (set(), True)
    negatives = await NegativeFeedbackStore(engine).negative_counts(walrus.app)
    figures = {row["id"]: (row["size"], row["negative_count"]) for row in await rows(engine, issues)}
    expected = {issue: (len(ids), sum(negatives.get(i, 0) for i in ids)) for issue, ids in by_issue.items()}
    assert figures == expected


async def test_a_second_pass_runs_cleanly_and_brings_no_copy_back(
    walrus, client, admin_headers, engine, settings, embedder
):
    await erase(client, admin_headers)

    await pass_runs(engine, settings, embedder)

    assert await holding_victim_words(engine) == set()
    assert walrus.victim_documents & await cache_keys_held(engine) == set()
