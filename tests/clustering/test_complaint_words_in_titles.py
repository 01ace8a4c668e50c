"""Issue titles say what the complaints are about, not that the answer was bad (real texts, the bundled model).

Seen in a walkthrough: "Transfer fee, wrong, answer". The comments of an app's complaints share
the words that say an answer is bad; the question (and a correction) say what it was about.
"""

from __future__ import annotations

from real_complaints import CARD_DELIVERY, discovered

from clustering import FeedbackItem, SentenceTransformerEmbedder

COMPLAINT_WORDS = {"wrong", "answer", "incorrect", "helpful", "useless", "bad"}
TRANSFER_FEES = [
    "How much is the transfer fee?",
    "What is the fee for an international transfer?",
    "Do you charge a fee to transfer money abroad?",
    "How much does it cost to send money to another bank?",
    "Is there a fee for transferring to my savings account?",
    "What fee do you take on a bank transfer?",
    "Why was I charged a fee for my transfer?",
    "How much is the fee to transfer euros to dollars?",
    "Are transfers between accounts free or is there a fee?",
    "What's the transfer fee for sending 500 pounds?",
    "Transfer fee for a payment to Germany?",
    "Tell me the fee on outgoing transfers",
]
COMMENTS = ["wrong answer", "Wrong answer", "This answer is wrong", "incorrect answer", "not helpful, wrong answer"]


def complaints(questions: list[str], start: int = 0) -> list[FeedbackItem]:
    """One thumbs-down per question, each with one of the walkthrough's comments."""
    return [
        FeedbackItem(str(start + i), "bank", question, "The fee is 5%.", COMMENTS[i % len(COMMENTS)])
        for i, question in enumerate(questions)
    ]


def titles(items: list[FeedbackItem], embedder: SentenceTransformerEmbedder) -> list[tuple[str, tuple[str, ...]]]:
    return [(c.title, c.keywords) for c in discovered(items, embedder)]


def words(text: str) -> set[str]:
    return {word.strip(",").lower() for word in text.split()}


def test_a_cluster_about_transfer_fees_commented_wrong_answer_is_titled_by_its_topic(embedder):
    [(title, keywords)] = titles(complaints(TRANSFER_FEES), embedder)

    assert not words(title) & COMPLAINT_WORDS, title
    assert words(title) & {"transfer", "fee"}, title
    # The comment's words may still be keywords, after every word the questions use.
    assert not {word for keyword in keywords[:3] for word in keyword.split()} & COMPLAINT_WORDS, keywords


def test_two_topics_with_the_same_comments_are_each_titled_by_their_topic(embedder):
    found = titles(complaints(TRANSFER_FEES) + complaints(CARD_DELIVERY, start=100), embedder)

    assert len(found) == 2
    for title, _ in found:
        assert not words(title) & COMPLAINT_WORDS, title
    assert {frozenset(words(title) & {"transfer", "fee", "card"}) for title, _ in found} != {frozenset()}
