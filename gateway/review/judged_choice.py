"""Which of an answer's choices (`n` > 1) a reviewer's decision judges: the decision API's `choice`, checked.

A task about one interaction judges that answer; when the app asked for several choices, the reviewer
names the one they approve, correct or reject (0, the first, the recorded answer, when they name none),
and the export pairs the decision with that choice (gateway.export.examples). A task holding several
interactions (an issue, similar negatives) is judged as a pattern: a choice names nothing there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.domain.answer_choices import choice_count
from gateway.review.errors import ChoiceRefused


@dataclass(frozen=True, slots=True)
class JudgedAnswers:
    """What a decision on a task judges: how many interactions it holds, and the stored answer of the one it holds."""

    task_id: str
    interactions: int
    # The single interaction's stored response (None when the task holds none or several, or it has none).
    response: Any = None


def judged_choice(named: int | None, judged: JudgedAnswers) -> int | None:
    """The choice the decision judges: `named`, else 0, on an answer of several choices; None when no choice is told
    apart (an answer of one choice, or a task of several interactions naming none). ChoiceRefused when `named` names
    a choice the answer has not, or the task holds no single answer."""
    if judged.interactions != 1:
        if named is None:
            return None
        held = "no interaction" if judged.interactions == 0 else f"{judged.interactions} interactions"
        raise ChoiceRefused(
            f"'choice' names one of an answer's choices, but review task {judged.task_id} holds {held}: a decision "
            "on it judges the answers as a pattern, not one answer's choice; leave 'choice' out"
        )
    count = choice_count(judged.response)
    if named is not None and named >= count:
        listed = "1 choice (0)" if count == 1 else f"{count} choices (0 to {count - 1})"
        raise ChoiceRefused(f"'choice' {named} names no choice of this task's answer: it has {listed}")
    if count < 2:
        return None
    return named or 0
