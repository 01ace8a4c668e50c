"""The suggested action: a knowledge-base entry when someone already gave the right answer, else the prompt."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from gateway.discovery.items import last_user_message
from gateway.domain.answer_choices import choice_text
from gateway.domain.quoting import shortened
from gateway.knowledge.fields import MAX_TITLE as ENTRY_MAX_TITLE
from gateway.review.records import ActionKind, Correction, Example, SuggestedAction
from gateway.review.verdicts import correction_says_something, end_users_correction_gives_answer

Row = dict[str, Any]
MAX_CORRECTIONS = 5
MAX_EXAMPLES = 3
# Enough of a question or answer to recognise it; the interaction holds the rest.
MAX_TEXT = 500


def _clip(text: str | None) -> str | None:
    if text is None:
        return None
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def suggest(
    feedback_notes: Iterable[Row], review_corrections: Iterable[Row], exchanges: Iterable[Row]
) -> SuggestedAction:
    """What to do about a task, from its interactions' current feedback and earlier reviewers' corrections.

    Corrections mean the right answer is known: it belongs in the knowledge base. Without any,
    the model needs better instructions. A correction that says nothing (blank, or only redaction's replacements:
    gateway.review.verdicts) gives no right answer, and counts as none; so does an end user's correction of an answer
    the review decision that stands approved (the note's `held_right`: the reviewer outranks the end user). Reviewers' corrections come first (checked by a person),
    then end users', newest first, without repeats. The examples are the interactions that tell the
    most: ones with a correction, then ones with a comment, newest first.
    """
    notes = list(feedback_notes)
    corrections: list[Correction] = []
    seen: set[str] = set()
    candidates = [(row.get("interaction_id"), row["correction"], "review") for row in review_corrections]
    candidates += [(row["interaction_id"], row["correction"], "feedback") for row in notes if _corrects(row)]
    for interaction_id, text, source in candidates:
        key = " ".join(text.split()).casefold()
        if correction_says_something(text) and key not in seen:
            seen.add(key)
            corrections.append(Correction(interaction_id, _clip(text) or "", source))
    kind = ActionKind.KNOWLEDGE_BASE_ENTRY if corrections else ActionKind.PROMPT_INSTRUCTIONS
    return SuggestedAction(kind, tuple(corrections[:MAX_CORRECTIONS]), telling_examples(notes, exchanges))


def _corrects(note: Row) -> bool:
    """Whether a feedback note carries a correction that gives an answer (gateway.review.verdicts)."""
    return end_users_correction_gives_answer(note.get("correction"), bool(note.get("held_right")))


def _shown_correction(note: Row) -> str | None:
    """The note's correction as an example shows it: none where a standing decision approved the answer it corrects."""
    return None if note.get("held_right") else note.get("correction")


def example_ids(feedback_notes: Iterable[Row], interaction_ids: Sequence[str]) -> list[str]:
    """The interactions whose exchanges `suggest` needs to pick its examples from: the first MAX_EXAMPLES noted ones,
    corrected first, then the first MAX_EXAMPLES of `interaction_ids` (for tasks whose answers nobody commented on)."""
    noted_first = sorted(feedback_notes, key=lambda note: 0 if _corrects(note) else 1)
    noted = [note["interaction_id"] for note in noted_first][:MAX_EXAMPLES]
    return list(dict.fromkeys(noted + list(interaction_ids[:MAX_EXAMPLES])))


def telling_examples(feedback_notes: list[Row], exchanges: Iterable[Row]) -> tuple[Example, ...]:
    """Up to MAX_EXAMPLES interactions: corrected ones first, then commented ones, then any others given.

    Notes come newest first, and the sort is stable, so each group stays newest first. An example's answer is the
    choice its note judges (`n` > 1; choice 0 for an interaction shown without a note).
    """
    by_id = {row["id"]: row for row in exchanges}
    ranked = sorted(feedback_notes, key=lambda row: 0 if _corrects(row) else 1)
    # Interactions nobody commented on still show what was asked and answered.
    ranked += [{"interaction_id": interaction_id} for interaction_id in by_id]
    examples: list[Example] = []
    chosen: set[str] = set()
    for note in ranked:
        interaction_id = note["interaction_id"]
        exchange = by_id.get(interaction_id)
        if exchange is None or interaction_id in chosen:
            continue
        chosen.add(interaction_id)
        examples.append(
            Example(
                interaction_id=interaction_id,
                question=_clip(last_user_message(exchange.get("request"))) or "",
                answer=_clip(
                    choice_text(exchange.get("response"), exchange.get("response_text"), note.get("choice", 0))
                ),
                comment=_clip(note.get("comment")),
                correction=_clip(_shown_correction(note)),
            )
        )
        if len(examples) == MAX_EXAMPLES:
            break
    return tuple(examples)


@dataclass(frozen=True, slots=True)
class EntryDraft:
    """What a form making a knowledge-base entry starts with: a title, the content and example questions."""

    title: str
    content: str
    example_questions: tuple[str, ...] = ()


def entry_draft(action: SuggestedAction | None, issue_title: str | None) -> EntryDraft:
    """The issue's title (else the first example's question), the first correction and the examples' questions: the
    one rule both the review task's entry form and the issue's "Preview a fix" form start from ("" where there is none).

    The questions matter: an entry is matched to a question by the better of its title with content and the mean of
    its example questions, and a title and a one-line correction alone missed most of the very questions the end users
    asked (each question is one line, a repeat, case and spacing aside, left out).
    """
    corrections = action.corrections if action else ()
    examples = action.examples if action else ()
    title = issue_title or (examples[0].question if examples else "")
    questions: dict[str, str] = {}
    for example in examples:
        question = " ".join(example.question.split())
        if question:
            questions.setdefault(question.casefold(), question)
    return EntryDraft(
        title=shortened(" ".join(title.split()), ENTRY_MAX_TITLE - 1),
        content=corrections[0].text if corrections else "",
        example_questions=tuple(questions.values()),
    )
