"""A task judged as a pattern covers every choice (`n` > 1) of its answers alike in the export (both databases).

Its decision names no choice (a `choice` on it is refused; it is stored as 0, the default), and the export reads no
pattern's decision as a label at all: it gives no example of any choice, approval or rejection, so a rejected
pattern's choice 1 is never written as a good answer. Nor does it outrank end users: their corrections of any choice
of its answers stand, each paired with the choice it named (docs/review.md, "An approval that gives no example ...
outranks no one"). Checked for choice 0 and choice 1 alike, since the decision's stored choice is 0.
"""

from __future__ import annotations

import pytest
from choice_answers import store_answer_of_choices
from export_seed import exported, give_feedback, review, review_service

from gateway.export.formats import ExportFormat
from gateway.review.records import Outcome

CHOICES = ["The gold card.", "The student card: no fee.", "The travel card."]


@pytest.mark.parametrize("outcome", [Outcome.APPROVE, Outcome.REJECT])
async def test_a_patterns_decision_labels_no_choice_and_its_answers_corrections_of_any_choice_stand(engine, outcome):
    first = await store_answer_of_choices(engine, CHOICES, "Which card fits me?")
    second = await store_answer_of_choices(engine, CHOICES, "Which card fits me?")
    await give_feedback(engine, first, correction="The student card.", choice=0)
    await give_feedback(engine, second, correction="The gold card.", choice=1)
    await review(review_service(engine), [first, second], outcome)

    examples = await exported(engine, ExportFormat.JSONL)

    assert sorted((e["source"], e["choice"], e["original"], e["preferred"]) for e in examples) == [
        ("end_user_correction", 0, CHOICES[0], "The student card."),
        ("end_user_correction", 1, CHOICES[1], "The gold card."),
    ]
    # No choice's own text is a fine-tuning target: only the end users' corrections are.
    chat = await exported(engine, ExportFormat.CHAT)
    assert sorted(line["messages"][-1]["content"] for line in chat) == ["The gold card.", "The student card."]
