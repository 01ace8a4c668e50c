"""The text that stands for one piece of negative feedback when it is embedded and labelled."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

__all__ = [
    "DEFAULT_RECIPE",
    "DocumentRecipe",
    "FeedbackItem",
    "build_document",
    "build_documents",
    "topic_text",
    "topic_texts",
]


@dataclass(frozen=True, slots=True)
class FeedbackItem:
    """One interaction that got negative feedback: what was asked, answered and said about it."""

    interaction_id: str
    app: str
    user_message: str
    answer: str | None = None
    comment: str | None = None
    correction: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DocumentRecipe:
    """Which parts of a `FeedbackItem` go into its document, and how many characters of each.

    The default (comment and correction, then the question; no answer) was chosen by
    measurement, `benchmarks/document_recipe.py` on banking77 test.csv with feedback
    built around each real question: question only scored V 0.824 / ARI 0.537; comment
    + question 0.860 / 0.647; adding an answer that restates the question lowered that
    to 0.841 / 0.595 at 6.5x the embedding time (answers are the longest part), and an
    answer that drifted off topic sank it to 0.440 / 0.128. The comment alone (most are
    generic, "this is wrong") scored 0.247: the question carries the topic. Parts are
    joined complaint-first so that if the embedder truncates (128 tokens for the bundled
    model), the complaint survives and the question's tail is what gets cut. A limit of
    0 means "no limit".
    """

    include_comment: bool = True
    include_correction: bool = True
    include_user_message: bool = True
    include_answer: bool = False
    max_comment_chars: int = 400
    max_correction_chars: int = 300
    max_user_message_chars: int = 400
    max_answer_chars: int = 300


DEFAULT_RECIPE = DocumentRecipe()


def _clip(text: str | None, limit: int) -> str:
    # Collapse whitespace first so the limit counts words, not indentation or blank lines.
    text = " ".join((text or "").split())
    if limit and len(text) > limit:
        # Cut at a word boundary when one is near, so no half-word becomes a keyword.
        cut = text[:limit]
        space = cut.rfind(" ")
        text = cut[:space] if space > limit // 2 else cut
    return text


def build_document(item: FeedbackItem, recipe: DocumentRecipe = DEFAULT_RECIPE) -> str:
    """The text to embed and label for `item`, following `recipe`."""
    parts = [
        _clip(item.comment, recipe.max_comment_chars) if recipe.include_comment else "",
        _clip(item.correction, recipe.max_correction_chars) if recipe.include_correction else "",
        _clip(item.user_message, recipe.max_user_message_chars) if recipe.include_user_message else "",
        _clip(item.answer, recipe.max_answer_chars) if recipe.include_answer else "",
    ]
    return "\n".join(part for part in parts if part)


def build_documents(items: Iterable[FeedbackItem], recipe: DocumentRecipe = DEFAULT_RECIPE) -> list[str]:
    """The documents for `items`, in order."""
    return [build_document(item, recipe) for item in items]


def topic_text(item: FeedbackItem, recipe: DocumentRecipe = DEFAULT_RECIPE) -> str:
    """The lines of `item`'s document that say what the answer was about: all but the comment.

    The question (and a correction, an answer) name the topic; a comment mostly says that the answer
    was bad ("wrong answer", "not helpful"), in words an app's complaints share whatever they are
    about. Keywords rank the comment's own words after these (clustering.label.ctfidf_keywords).
    """
    return build_document(item, replace(recipe, include_comment=False))


def topic_texts(items: Iterable[FeedbackItem], recipe: DocumentRecipe = DEFAULT_RECIPE) -> list[str]:
    """The topic texts of `items`, in order (see `topic_text`)."""
    return [topic_text(item, recipe) for item in items]
