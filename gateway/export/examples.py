"""Labelled examples: what end users and reviewers said the answer should have been (pure functions).

Two sources label an answer. An end user's current feedback that carries a correction (their
newest event on the interaction, as everywhere in Feedgate), and the decision that resolved a
review task concerning exactly one interaction: `approve` labels the answer as given (its text, or
the tool calls or the older `functions`' function call it made), `correct`
(or any decision with a correction) labels the correction. A `reject` without a correction says
what is wrong but not what is right, so it is no example of either kind. A task holding several
interactions (an issue, similar negatives) is judged as a pattern: its one decision or correction
cannot be the right answer to each of its different questions, so it yields no examples. Where a
reviewer's decision labels an answer, its end users' corrections give none, and of several end
users' corrections of one answer the latest stands: one label per answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from gateway.domain.answer_choices import choice_text
from gateway.domain.blank_text import says_nothing, without_blank_ends
from gateway.export.tool_calls import Json, function_call_of, tool_calls_of, tool_settings_of
from gateway.review.verdicts import Verdict, verdict_of

# The weight of an example whose confidence is unknown: that of a fully confident answer
# (1 / (0.99 + 0.01)), so an example without evidence is never boosted.
UNKNOWN_CONFIDENCE_WEIGHT = 1.0
# Keeps the weight finite at confidence 0: at most 100.
WEIGHT_SMOOTHING = 0.01
# Policies whose change of the request leaves what the model is asked as the app asked it: the
# confidence gate only asks for log-probabilities (and takes them out of the answer again). Any
# other change (a knowledge note, a prompt version, a policy added later) is a fix the answer was
# given under.
ANSWER_NEUTRAL_POLICIES = frozenset({"confidence_gate"})


class ExampleSource(StrEnum):
    """Who labelled the answer."""

    END_USER_CORRECTION = "end_user_correction"
    HUMAN_REVIEW = "human_review"


class FixFilter(StrEnum):
    """Which examples to keep by whether their original answer was given under a gateway fix."""

    # Only answers given to the request as the app sent it (the conversation a line holds).
    WITHOUT = "without"
    # Only answers given under a fix: what the fixes changed, to fine-tune them into the model.
    ONLY = "only"

    def keeps(self, example: TrainingExample) -> bool:
        """Whether `example` is one this filter keeps."""
        return example.answered_under_fix == (self is FixFilter.ONLY)


@dataclass(frozen=True, slots=True)
class TrainingExample:
    """One labelled answer: the conversation, what the model said, what it should have said."""

    interaction_id: str
    app: str
    # When the interaction happened, and when the label was given (the feedback or the decision).
    created_at: datetime
    labelled_at: datetime
    source: ExampleSource
    # "correct" for an end user's correction; the deciding reviewer's outcome otherwise.
    outcome: str
    # The request's messages, as the app sent them.
    conversation: list[Json]
    original: str | None
    # The preferred answer's text; None for an approved answer that only called tools (or a function).
    preferred: str | None
    confidence: float | None
    weight: float
    # The feedback event's or the review decision's id (the store's keyset cursor).
    label_id: str
    # What the gateway changed in the request before the model answered (knowledge entries and prompt
    # versions added, the confidence gate's settings): `conversation` is as the app sent it, and the
    # original answer was given to the changed request.
    gateway_changes: tuple[Json, ...] = ()
    # The tool calls the original answer made, and those of the preferred one (an approved answer's).
    original_tool_calls: tuple[Json, ...] = ()
    preferred_tool_calls: tuple[Json, ...] = ()
    # The one call of the older `functions` the original answer made (`name`, `arguments`), and the preferred one's.
    original_function_call: Json | None = None
    preferred_function_call: Json | None = None
    # The request's tool definitions as the app sent them (`tools`, `parallel_tool_calls`, `functions`).
    tool_settings: Json = field(default_factory=dict)
    # Which of the answer's choices (`n` > 1) `original` is: the one the end user's correction named; 0 otherwise.
    choice: int = 0

    @property
    def differs(self) -> bool:
        """The preferred answer says something else than the original (blank characters at their ends aside)."""
        if self.original is None or self.preferred is None:
            return (
                self.original != self.preferred
                or self.original_tool_calls != self.preferred_tool_calls
                or self.original_function_call != self.preferred_function_call
            )
        return without_blank_ends(self.preferred) != without_blank_ends(self.original)

    @property
    def answered_under_fix(self) -> bool:
        """The gateway added to what the model was asked (a knowledge note, a prompt version) before it answered."""
        return any(note.get("policy") not in ANSWER_NEUTRAL_POLICIES for note in self.gateway_changes)

    def as_json(self) -> Json:
        """Every field, JSON-ready."""
        return {
            "interaction_id": self.interaction_id,
            "app": self.app,
            "created_at": self.created_at.isoformat(),
            "labelled_at": self.labelled_at.isoformat(),
            "source": self.source.value,
            "outcome": self.outcome,
            "conversation": self.conversation,
            "original": self.original,
            "preferred": self.preferred,
            "confidence": self.confidence,
            "weight": self.weight,
            "label_id": self.label_id,
            "gateway_changes": list(self.gateway_changes),
            "original_tool_calls": list(self.original_tool_calls),
            "preferred_tool_calls": list(self.preferred_tool_calls),
            "original_function_call": self.original_function_call,
            "preferred_function_call": self.preferred_function_call,
            "tool_settings": self.tool_settings,
            "choice": self.choice,
        }


def weight_for(confidence: float | None) -> float:
    """1 / (confidence + 0.01): the less sure the model was, the more the example counts; 1.0 when unknown."""
    if confidence is None:
        return UNKNOWN_CONFIDENCE_WEIGHT
    return 1.0 / (confidence + WEIGHT_SMOOTHING)


def confidence_in(evidence: Any) -> float | None:
    """The confidence a review task's evidence carries, if any.

    The confidence gate stores it as `{"confidence": 0.42, ...}`; a features object
    (`{"confidence": {"confidence": 0.42, "mean_logprob": ...}}`) is read too. Anything that is
    not a number in [0, 1] counts as unknown.
    """
    if not isinstance(evidence, dict):
        return None
    value = evidence.get("confidence")
    if isinstance(value, dict):
        value = value.get("confidence")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) and 0.0 <= value <= 1.0 else None


def conversation_of(request: Any) -> list[Json] | None:
    """The chat request's messages, or None when the request has none a model could be trained on."""
    if not isinstance(request, dict):
        return None
    messages = request.get("messages")
    if not isinstance(messages, list) or not messages:
        return None
    if not all(isinstance(m, dict) and isinstance(m.get("role"), str) for m in messages):
        return None
    return messages


def gateway_changes_in(policies: Any) -> tuple[Json, ...]:
    """The interaction's policy notes that changed its request before it was sent (action `replace_body`)."""
    if not isinstance(policies, list):
        return ()
    return tuple(note for note in policies if isinstance(note, dict) and note.get("action") == "replace_body")


def example_from_row(row: Json) -> TrainingExample | None:
    """The example a store row (see gateway.store.training_examples) makes, or None when it makes none.

    None for a request without messages, and for an approval of an answer with neither text nor
    a call (an error): there is nothing to prefer. Text of blank characters only is none
    (gateway.domain.blank_text, the rule the store's SQL reads too).
    """
    conversation = conversation_of(row["request"])
    if conversation is None:
        return None
    source = ExampleSource(row["source"])
    choice = row.get("choice") or 0
    original_tool_calls = tool_calls_of(row.get("response"), choice)
    original_function_call = function_call_of(row.get("response"), choice)
    # The recorded text is the first choice's; a correction of another is paired with that one.
    original = choice_text(row.get("response"), row["response_text"], choice)
    # What the label holds of the answer, by the rule every reader of decisions follows (an end user's correction
    # reads as a `correct`): a correction that says nothing gives no preferred answer.
    verdict = verdict_of(row["outcome"], row["correction"])
    preferred: str | None = row["correction"] if verdict is Verdict.CORRECTED else None
    preferred_tool_calls: tuple[Json, ...] = ()
    preferred_function_call: Json | None = None
    if verdict is Verdict.RIGHT:
        preferred = None if says_nothing(original) else original
        preferred_tool_calls, preferred_function_call = original_tool_calls, original_function_call
    if preferred is None and not preferred_tool_calls and preferred_function_call is None:
        return None
    confidence = confidence_in(row.get("evidence")) if source is ExampleSource.HUMAN_REVIEW else None
    return TrainingExample(
        interaction_id=row["interaction_id"],
        app=row["app"],
        created_at=row["created_at"],
        labelled_at=row["labelled_at"],
        source=source,
        outcome=row["outcome"],
        conversation=conversation,
        original=original,
        preferred=preferred,
        confidence=confidence,
        weight=weight_for(confidence),
        label_id=row["label_id"],
        gateway_changes=gateway_changes_in(row.get("policies")),
        original_tool_calls=original_tool_calls,
        preferred_tool_calls=preferred_tool_calls,
        original_function_call=original_function_call,
        preferred_function_call=preferred_function_call,
        tool_settings=tool_settings_of(row["request"]),
        choice=choice,
    )
