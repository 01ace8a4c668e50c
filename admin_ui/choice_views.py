"""An answer of `n` > 1 choices as the interaction and task pages show it: each choice with the feedback on it."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.domain.answer_choices import AnswerChoice, answer_choices
from gateway.domain.interaction_briefs import FeedbackTally, event_tally
from gateway.domain.interactions import InteractionWithFeedback


@dataclass(frozen=True, slots=True)
class ShownChoice:
    """One choice of the answer, with what its voters say of it now (their current feedback naming it)."""

    choice: AnswerChoice
    tally: FeedbackTally | None


def shown_choices(record: InteractionWithFeedback) -> tuple[ShownChoice, ...]:
    """The answer's choices, each with the tally of current feedback on it; () for an answer of one choice."""
    choices = answer_choices(record.interaction.response)
    if len(choices) < 2:
        return ()
    shown = []
    for choice in choices:
        on_it = [event for event in record.current if event.choice == choice.index]
        shown.append(ShownChoice(choice, event_tally(on_it) if on_it else None))
    return tuple(shown)
