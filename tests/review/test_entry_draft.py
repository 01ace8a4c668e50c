"""The draft a knowledge-base entry form starts from (gateway.review.suggestion.entry_draft).

The drafted entry had a title and content but no example questions, and an entry is matched to a question by the
better of its title-with-content and the mean of its example questions: in `feedgate demo`'s world, an entry
"The transfer fee is 1%" made from a transfer-fee task's page reached 5 of 14 transfer-fee questions (the issue's
own among those missed), and 13 of 14 once its three example questions were the task's examples' questions.
"""

from __future__ import annotations

from gateway.review.records import ActionKind, Correction, Example, SuggestedAction
from gateway.review.suggestion import entry_draft


def example(question: str, number: int) -> Example:
    return Example(f"i{number}", question, "There is no fee.", None, "The transfer fee is 1%")


def action(*questions: str) -> SuggestedAction:
    return SuggestedAction(
        ActionKind.KNOWLEDGE_BASE_ENTRY,
        (Correction("i0", "The transfer fee is 1%", "feedback"),),
        tuple(example(question, number) for number, question in enumerate(questions)),
    )


def test_the_examples_questions_are_the_drafts_example_questions():
    draft = entry_draft(action("What is the transfer fee?", "Do you charge a transfer fee?"), "Transfer fee")

    assert draft.example_questions == ("What is the transfer fee?", "Do you charge a transfer fee?")


def test_a_question_over_several_lines_is_one_example_question():
    draft = entry_draft(action("What is the\ntransfer   fee?"), "Transfer fee")

    assert draft.example_questions == ("What is the transfer fee?",)


def test_a_question_asked_twice_is_one_example_question_and_a_blank_one_none():
    draft = entry_draft(action("What is the transfer fee?", "  ", "what is the  transfer fee?"), "Transfer fee")

    assert draft.example_questions == ("What is the transfer fee?",)


def test_without_a_suggestion_there_is_no_example_question():
    assert entry_draft(None, "Transfer fee").example_questions == ()
