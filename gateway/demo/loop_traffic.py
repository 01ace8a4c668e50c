"""The demo's app traffic and its simulated end users: questions from a few topics, and their feedback.

Topics follow the fake upstream's rule table (gateway.demo.fake_rules): the transfer fee is a fact
the model gets wrong until a system message carries it, closing an account is an instruction it
lacks, and opening hours and card delivery it always answers right. Users are seeded, so a run
is repeatable: a wrong answer gets a thumbs-down (mostly with a correction), a right one
sometimes a thumbs-up, and some answers no feedback at all, as in real traffic.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass

import httpx
import openai

from gateway.demo.fake_rules import CLOSE_ACCOUNT, TRANSFER_FEE

MODEL = "gpt-4o-mini"
# Real users phrase one question many ways: each topic's questions are its openers times its endings.
FEE_OPENERS = ["What is the transfer fee", "How much is the transfer fee", "Is there a transfer fee",
               "Do you charge a transfer fee", "Tell me the transfer fee", "What transfer fee do I pay"]  # fmt: skip
FEE_ENDINGS = ["for sending money to Spain?", "on international payments?", "for a 500 euro payment?",
               "when I send money abroad?", "for SEPA transfers?", "on a transfer to my sister?"]  # fmt: skip
ACCOUNT_OPENERS = ["How do I close my account", "I want to cancel my account", "Help me delete my account",
                   "Where can I close my account"]  # fmt: skip
ACCOUNT_ENDINGS = ["in the app?", "today, please.", "and get my money out?"]
HOURS_OPENERS = ["What are your opening hours", "Are you open on Saturday", "Are you open on holidays"]
HOURS_ENDINGS = ["in Berlin?", "at the main branch?", "this week?", "for the call centre?"]
CARD_OPENERS = ["When will my card arrive", "How long does card delivery take", "How fast is card delivery"]
CARD_ENDINGS = ["after I ordered it?", "to Austria?", "for a replacement?", "by post?"]
TOPICS = {
    "transfer fee": (FEE_OPENERS, FEE_ENDINGS, 24),
    "closing an account": (ACCOUNT_OPENERS, ACCOUNT_ENDINGS, 12),
    "opening hours": (HOURS_OPENERS, HOURS_ENDINGS, 12),
    "card delivery": (CARD_OPENERS, CARD_ENDINGS, 12),
}
FEE_QUESTIONS = frozenset(f"{opener} {ending}" for opener in FEE_OPENERS for ending in FEE_ENDINGS)
# Users who complain about the same thing say similar things: that is what makes it one issue.
FEE_CORRECTIONS = ["The transfer fee is 1% of the amount.", "The transfer fee is 1%, it is not free."]
FEE_COMMENTS = ["Wrong: I was charged a transfer fee", None]
ACCOUNT_COMMENTS = ["It should tell me how to close my account", "Not helpful: how do I close my account?"]
CONCURRENCY = 8


@dataclass(frozen=True, slots=True)
class Asked:
    """One question through the gateway: who asked, the answer, and what the end user's browser needs to rate it."""

    question: str
    user: str
    answer: str
    interaction_id: str
    feedback_token: str


@dataclass(frozen=True, slots=True)
class Rated:
    """What a simulated end user said about an answer (`thumbs` None: no feedback)."""

    asked: Asked
    thumbs: str | None
    correction: str | None = None
    comment: str | None = None


def questions(rng: random.Random) -> list[str]:
    """The demo's 60 questions (distinct phrasings, so no answer is rated twice word for word), shuffled."""
    chosen = []
    for openers, endings, count in TOPICS.values():
        chosen += rng.sample([f"{opener} {ending}" for opener in openers for ending in endings], count)
    rng.shuffle(chosen)
    return chosen


async def ask_all(client: openai.AsyncOpenAI, asked: list[str], users: list[str]) -> list[Asked]:
    """Ask every question through the gateway with the openai SDK, a few at a time."""
    slots = asyncio.Semaphore(CONCURRENCY)

    async def one(question: str, user: str) -> Asked:
        async with slots:
            raw = await client.chat.completions.with_raw_response.create(
                model=MODEL, messages=[{"role": "user", "content": question}], user=user
            )
        completion = raw.parse()
        return Asked(
            question, user, completion.choices[0].message.content or "",
            raw.headers["x-feedgate-interaction-id"], raw.headers["x-feedgate-feedback-token"],
        )  # fmt: skip

    return list(await asyncio.gather(*(one(q, u) for q, u in zip(asked, users, strict=True))))


def judge(asked: Asked, rng: random.Random) -> Rated:
    """A simulated end user's reaction: thumbs-down (and a correction) on a wrong answer, sometimes a thumbs-up."""
    if asked.answer == TRANSFER_FEE.wrong:
        if rng.random() < 0.85:
            return Rated(asked, "down", rng.choice(FEE_CORRECTIONS), rng.choice(FEE_COMMENTS))
        return Rated(asked, None)
    if asked.answer == CLOSE_ACCOUNT.wrong:
        return Rated(asked, "down", None, rng.choice(ACCOUNT_COMMENTS)) if rng.random() < 0.85 else Rated(asked, None)
    return Rated(asked, "up") if rng.random() < 0.5 else Rated(asked, None)


async def send_feedback(http: httpx.AsyncClient, ratings: list[Rated]) -> int:
    """Post each rating as the end user's browser does (with the feedback token); how many were sent."""
    slots = asyncio.Semaphore(CONCURRENCY)

    async def one(rated: Rated) -> None:
        body = {"interaction_id": rated.asked.interaction_id, "thumbs": rated.thumbs or "", "user_id": rated.asked.user}
        if rated.correction:
            body["correction"] = rated.correction
        if rated.comment:
            body["comment"] = rated.comment
        async with slots:
            answer = await http.post(
                "/v1/feedback", json=body, headers={"x-feedgate-feedback-token": rated.asked.feedback_token}
            )
        answer.raise_for_status()

    given = [rated for rated in ratings if rated.thumbs is not None]
    await asyncio.gather(*(one(rated) for rated in given))
    return len(given)
