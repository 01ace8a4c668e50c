"""One interaction as GET /api/interactions/{id} answers it: the interaction, its feedback, the issues holding it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from clustering.issue_status import IssueStatus
from gateway.api.serialize import InteractionJSON, interaction_json
from gateway.domain.feedback import FeedbackEvent
from gateway.domain.interactions import InteractionWithFeedback
from gateway.store.issue_edits import IssueHead


class InteractionFeedbackJSON(TypedDict):
    """An interaction's feedback: every event, and each user's current one."""

    events: list[FeedbackEvent]
    current: list[FeedbackEvent]


class HoldingIssueJSON(TypedDict):
    """An issue holding the interaction as a complaint (one merged away: the issue holding its complaints now)."""

    id: str
    title: str
    status: IssueStatus


class InteractionWithFeedbackJSON(InteractionJSON):
    """One interaction with its feedback, and the issues holding it as a complaint (none: an empty list)."""

    feedback: InteractionFeedbackJSON
    issues: list[HoldingIssueJSON]


def interaction_with_feedback_json(
    found: InteractionWithFeedback, holders: Sequence[IssueHead]
) -> InteractionWithFeedbackJSON:
    """One interaction with its feedback (every event and each user's current one) and the issues holding it."""
    feedback: InteractionFeedbackJSON = {"events": list(found.events), "current": list(found.current)}
    issues: list[HoldingIssueJSON] = [{"id": h.id, "title": h.title, "status": h.status} for h in holders]
    return {**interaction_json(found.interaction), "feedback": feedback, "issues": issues}
