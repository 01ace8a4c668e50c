"""Export test helpers: chat interactions, end users' feedback and decided review tasks, stored straight in the database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import uuid_utils
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.config import Settings
from gateway.export.formats import ExportFormat
from gateway.export.stream import ExportTally, TrainingExport
from gateway.review.levels import ServiceLevels
from gateway.review.records import Outcome, Priority, Source
from gateway.review.service import ReviewService
from gateway.store.feedback import FeedbackStore
from gateway.store.interactions import InteractionStore
from gateway.store.review_figures import ReviewFigureStore
from gateway.store.reviews import ReviewStore
from gateway.store.training_examples import ExampleFilter, TrainingExampleStore


def conversation(question: str) -> list[dict[str, Any]]:
    """The messages of a chat request asking `question`."""
    return [{"role": "system", "content": "You answer fee questions."}, {"role": "user", "content": question}]


async def store_chat(
    engine: AsyncEngine,
    question: str = "What is the fee?",
    answer: str | None = "The fee is 2%.",
    *,
    app: str = "support-bot",
    endpoint: str = "chat.completions",
    policies: list[dict[str, Any]] | None = None,
    tools: list[dict[str, Any]] | None = None,
    messages: list[dict[str, Any]] | None = None,
    tool_calls: list[dict[str, Any]] | None = None,
    functions: list[dict[str, Any]] | None = None,
    function_call: dict[str, Any] | None = None,
    partial: bool = False,
    finish_reason: str | None = None,
) -> str:
    """One answered chat interaction; returns its id.

    Optionally with what request policies did to it, the `tools` (or the older `functions`) the request
    offered, other `messages` than the question's, the `tool_calls` (or the older `function_call`) the
    answer made, whether it was cut short, and its finish reason (`stop`, or `tool_calls` or
    `function_call` when it called one, unless given).
    """
    request: dict[str, Any] = {"model": "gpt-test", "messages": messages or conversation(question)}
    if tools is not None:
        request["tools"] = tools
    if functions is not None:
        request["functions"] = functions
    message = {"role": "assistant", "content": answer, **({"tool_calls": tool_calls} if tool_calls else {})}
    if function_call is not None:
        message["function_call"] = function_call
    called = "tool_calls" if tool_calls else "function_call" if function_call else None
    response = {"object": "chat.completion", "choices": [{"index": 0, "message": message}]}
    interaction_id = str(uuid_utils.uuid7())
    await InteractionStore(engine).insert_many(
        [
            {
                "id": interaction_id,
                "created_at": datetime.now(UTC),
                "app": app,
                "endpoint": endpoint,
                "upstream": "default",
                "model": "gpt-test",
                "stream": False,
                "partial": partial,
                "request": request,
                "response": response,
                "response_text": answer,
                # As the recorder stores them (gateway.recording.reassembly.message_calls).
                "tool_calls": tool_calls or ([function_call] if function_call else None),
                "finish_reason": finish_reason or called or "stop",
                "policies": policies,
            }
        ]
    )
    return interaction_id


async def give_feedback(
    engine: AsyncEngine,
    interaction_id: str,
    *,
    app: str = "support-bot",
    correction: str | None = None,
    thumbs: str = "down",
    user_id: str | None = "user-1",
    voter: str | None = None,
    at: datetime | None = None,
    choice: int = 0,
) -> None:
    """One feedback event from `user_id` (counted as `voter` when given) on the answer's choice `choice`, with an
    optional correction."""
    await FeedbackStore(engine).append(
        {
            "id": str(uuid_utils.uuid7()),
            "interaction_id": interaction_id,
            "created_at": at or datetime.now(UTC),
            "app": app,
            "user_id": user_id,
            "voter": voter,
            "thumbs": thumbs,
            "correction": correction,
            "negative": thumbs == "down" or correction is not None,
            "submitted_via": "app",
            "choice": choice,
        }
    )


def review_service(engine: AsyncEngine) -> ReviewService:
    """A review service where no task needs a second reviewer."""
    levels = ServiceLevels.from_settings(Settings(review_second_opinion_share=0.0))
    return ReviewService(ReviewStore(engine), ReviewFigureStore(engine), levels)


async def review(
    reviews: ReviewService,
    interaction_ids: list[str],
    outcome: Outcome,
    *,
    correction: str | None = None,
    evidence: Any = None,
    app: str = "support-bot",
) -> str:
    """Open a task for the interactions and decide it; returns the task id."""
    opened = await reviews.open_or_update(
        app=app,
        source=Source.CONFIDENCE if evidence else Source.MANUAL,
        reason="Low confidence",
        priority=Priority.MEDIUM,
        interaction_ids=interaction_ids,
        evidence=evidence,
    )
    assert opened is not None
    task_id = opened.task.task.id
    await reviews.decide(task_id, "alice", outcome, correction=correction)
    return task_id


async def exported(
    engine: AsyncEngine, fmt: ExportFormat, where: ExampleFilter | None = None, tally: ExportTally | None = None
) -> list[dict[str, Any]]:
    """Every line the export writes in `fmt`, parsed back."""
    export = TrainingExport(TrainingExampleStore(engine))
    lines = [line async for line in export.lines(where or ExampleFilter(), fmt, tally or ExportTally())]
    return [json.loads(line) for line in lines]
