"""Which of an answer's choices (`n` > 1) a reviewer's decision judges: the decision API's `choice`, checked.

A task about one interaction judges that answer; when the app asked for several choices, the reviewer
names the one they approve, correct or reject (0, the first, the recorded answer, when they name none),
and the export pairs the decision with that choice (gateway.export.examples). A task holding several
interactions (an issue, similar negatives) is judged as a pattern: a choice names nothing there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from gateway.domain.answer_choices import choice_count, choices_listed
from gateway.review.errors import ChoiceRefused, TaskConflict
from gateway.review.held_answer import HELD_KEY, is_redacted


@dataclass(frozen=True, slots=True)
class JudgedAnswers:
    """What a decision on a task judges: how many interactions it holds, and the answer of the one it holds."""

    task_id: str
    interactions: int
    # The single interaction's stored response (None when the task holds none or several, or it has none).
    response: Any = None
    # Whether that interaction is stored yet: the gate holds an answer before the writer stores its interaction.
    stored: bool = True
    # The task's evidence: a held answer's exact bytes are there from the moment it is held.
    evidence: Any = None

    def answer(self) -> Any:
        """The answer judged: the stored interaction's, else the answer the task holds for a waiting app (None: none)."""
        if self.stored:
            return self.response
        held = self.evidence.get(HELD_KEY) if isinstance(self.evidence, dict) else None
        if not isinstance(held, dict) or is_redacted(held) or not isinstance(held.get("body"), str):
            return None
        try:
            return orjson.loads(held["body"])
        except orjson.JSONDecodeError:
            return None


def nothing_to_decide(interactions: int) -> bool:
    """Whether a task holding `interactions` interactions offers nothing to judge: none at all (an issue task whose
    complaints other tasks held first, gateway.review.issue_holders). The task page offers no decision on it, and a
    decision sent all the same is refused (`refuse_deciding_nothing`)."""
    return interactions == 0


def refuse_deciding_nothing(judged: JudgedAnswers) -> None:
    """TaskConflict when the task holds no interaction: a decision on it would approve or reject nothing."""
    if nothing_to_decide(judged.interactions):
        raise TaskConflict(
            f"review task {judged.task_id} holds no interactions: there is nothing to approve, reject or correct. Its "
            "issue's complaints are judged in the tasks that held them first (its page names them); dismiss this one"
        )


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
    answer = judged.answer()
    if named and answer is None and not judged.stored:
        raise ChoiceRefused(
            f"'choice' {named} cannot be checked yet: the answer of review task {judged.task_id} is not stored yet; "
            "send the decision again in a moment"
        )
    count = choice_count(answer)
    if named is not None and named >= count:
        raise ChoiceRefused(f"'choice' {named} names no choice of this task's answer: it has {choices_listed(count)}")
    if count < 2:
        return None
    return named or 0
