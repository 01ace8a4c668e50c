"""The API's JSON: one shape per domain record, so every endpoint shows a record the same way.

Each shape is declared once, as the type its serializer returns: a TypedDict built here (mypy
checks every key), or a domain dataclass shown as it is (the encoder writes every field under its
own name). The OpenAPI schema is generated from the same types, so it describes what is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any, Generic, TypedDict, TypeVar, cast

from gateway.api.policy_note_json import PolicyNoteJSON
from gateway.domain.feedback import FeedbackEvent
from gateway.domain.following import FollowPage
from gateway.domain.interactions import Interaction, Usage
from gateway.domain.issues import Issue, IssueChange, IssueDetail, IssueExample, IssuePoint
from gateway.domain.paging import Page
from gateway.domain.stats import GroupBy, StatsReport
from gateway.feedback.insights import FeedbackSummary, GroupSummary

T = TypeVar("T")
J = TypeVar("J")
JSON = dict[str, Any]


# What the page builders return. Each listing declares its page as a class of its own (InteractionPage, ...) that
# mypy checks against these: the schema then names it as a client would, where a generic's component would be
# called `CursorPage_gateway.api.serialize.InteractionJSON_`.
class CursorPage(TypedDict, Generic[J]):
    """A page of a listing paged by cursor: pass `next_cursor` as `cursor` for the next (null: the last page)."""

    data: list[J]
    next_cursor: str | None


class OffsetPage(TypedDict, Generic[J]):
    """A page of a listing paged by offset: pass `next_offset` as `offset` for the next (null: the last page)."""

    data: list[J]
    next_offset: int | None


class CountedOffsetPage(TypedDict, Generic[J]):
    """A page of a listing paged by offset that also says how many rows its filters match on every page (`total`)."""

    data: list[J]
    next_offset: int | None
    total: int


class FollowablePage(TypedDict, Generic[J]):
    """A page of a listing paged by cursor that can also be followed in stored order (`stored_after`)."""

    data: list[J]
    next_cursor: str | None
    next_stored_after: str | None


def followable_page_json(page: Page[T] | FollowPage[T], item_json: Callable[[T], J]) -> FollowablePage[J]:
    """A page of a listing paged by cursor, or followed in stored order: the other's token is null."""
    data = [item_json(item) for item in page.data]
    if isinstance(page, FollowPage):
        return {"data": data, "next_cursor": None, "next_stored_after": page.next_stored_after}
    return {"data": data, "next_cursor": page.next_cursor, "next_stored_after": None}


def cursor_page_json(page: Page[T], item_json: Callable[[T], J]) -> CursorPage[J]:
    """A page of a listing paged by cursor."""
    return {"data": [item_json(item) for item in page.data], "next_cursor": page.next_cursor}


def offset_page_json(page: Page[T], item_json: Callable[[T], J]) -> OffsetPage[J]:
    """A page of a listing paged by offset."""
    return {"data": [item_json(item) for item in page.data], "next_offset": page.next_offset}


def counted_offset_page_json(page: Page[T], item_json: Callable[[T], J], total: int) -> CountedOffsetPage[J]:
    """A page of a listing paged by offset, with `total`: how many rows the listing's filters match, every page."""
    return {"data": [item_json(item) for item in page.data], "next_offset": page.next_offset, "total": total}


def fields_json(record: Any) -> JSON:
    """A flat record as it is: every field under its own name (dates are left to the encoder).

    Shallow, unlike dataclasses.asdict, which would copy every request and response document.
    """
    return {field.name: getattr(record, field.name) for field in fields(record)}


class InteractionJSON(TypedDict):
    """One recorded call: what was asked, what came back and how it went."""

    id: str
    created_at: datetime
    app: str
    endpoint: str
    upstream: str
    model: str | None
    stream: bool
    end_user: str | None
    metadata: dict[str, Any] | None
    upstream_response_id: str | None
    status_code: int | None
    error: str | None
    partial: bool
    request: Any
    response: Any
    response_text: str | None
    tool_calls: Any
    finish_reason: str | None
    usage: Usage | None
    latency_ms: float | None
    ttfb_ms: float | None
    policies: list[PolicyNoteJSON] | None
    redactions: dict[str, int] | None
    held_for_review: bool


class InteractionPage(TypedDict):
    """A page of interactions, newest first: pass `next_cursor` as `cursor` for the next (null: the last page).

    Asked with `stored_after`: the interactions stored after it, oldest stored first; pass `next_stored_after` as
    `stored_after` for the next (never null: the same token again when nothing new was stored), and next_cursor is null.
    """

    data: list[InteractionJSON]
    next_cursor: str | None
    next_stored_after: str | None


def interaction_json(interaction: Interaction) -> InteractionJSON:
    """One interaction: every field, the token usage as an object (or None when the upstream reported none), and
    whether the review gate held its answer (the app then got 202 and the reviewer's decision)."""
    i = interaction
    return {
        "id": i.id,
        "created_at": i.created_at,
        "app": i.app,
        "endpoint": i.endpoint,
        "upstream": i.upstream,
        "model": i.model,
        "stream": i.stream,
        "end_user": i.end_user,
        "metadata": i.metadata,
        "upstream_response_id": i.upstream_response_id,
        "status_code": i.status_code,
        "error": i.error,
        "partial": i.partial,
        "request": i.request,
        "response": i.response,
        "response_text": i.response_text,
        "tool_calls": i.tool_calls,
        "finish_reason": i.finish_reason,
        "usage": i.usage,
        "latency_ms": i.latency_ms,
        "ttfb_ms": i.ttfb_ms,
        # As stored: each note is the knowledge miss or another note (the types only document them).
        "policies": cast(list[PolicyNoteJSON] | None, i.policies),
        "redactions": i.redactions,
        "held_for_review": i.held_for_review,
    }


class FeedbackPage(TypedDict):
    """A page of feedback events, newest first: pass `next_cursor` as `cursor` for the next (null: the last page).

    Asked with `stored_after`: the events stored after it, oldest stored first; pass `next_stored_after` as
    `stored_after` for the next (never null: the same token again when nothing new was stored), and next_cursor is null.
    """

    data: list[FeedbackEvent]
    next_cursor: str | None
    next_stored_after: str | None


def feedback_json(event: FeedbackEvent) -> FeedbackEvent:
    """One feedback event: every field (the event itself; the encoder writes each under its own name)."""
    return event


class SummaryJSON(TypedDict):
    """How much feedback a period's (or a group's) interactions got, and how good it was (a rate is null with nothing to divide by)."""

    interactions: int
    feedback: int
    feedback_rate: float | None
    positive_rate: float | None
    negative_rate: float | None
    mean_rating: float | None
    corrections: int
    median_seconds_to_feedback: float | None


class DayJSON(SummaryJSON):
    """One UTC day of the stats' daily series: its date (YYYY-MM-DD) and its totals."""

    date: str


class AppGroupJSON(SummaryJSON):
    """One app's totals, grouped by app."""

    app: str | None


class ModelGroupJSON(SummaryJSON):
    """One model's totals, grouped by model (`model` null: calls that named none)."""

    model: str | None


class _StatsJSON(TypedDict):
    since: datetime
    until: datetime
    app: str | None
    model: str | None
    totals: SummaryJSON
    daily: list[DayJSON]
    warnings: list[str]


class StatsJSON(_StatsJSON, total=False):
    """The stats report: its scope, totals, daily series, each app's or model's totals when grouped, and `warnings`
    (e.g. an app no call was recorded from)."""

    groups: list[AppGroupJSON | ModelGroupJSON]


def stats_json(report: StatsReport, warnings: list[str]) -> StatsJSON:
    """The stats report: its scope, totals, daily series and, when grouped, each group's totals; then `warnings`."""
    totals = summary_json(report.totals)
    daily: list[DayJSON] = [{"date": day.day.isoformat(), **summary_json(day.summary)} for day in report.daily]
    since, until, app, model = report.since, report.until, report.app, report.model
    if report.group_by is None or report.groups is None:
        return {
            "since": since,
            "until": until,
            "app": app,
            "model": model,
            "totals": totals,
            "daily": daily,
            "warnings": warnings,
        }
    groups = _groups_json(report.groups, report.group_by)
    return {
        "since": since,
        "until": until,
        "app": app,
        "model": model,
        "totals": totals,
        "daily": daily,
        "groups": groups,
        "warnings": warnings,
    }


def _groups_json(groups: tuple[GroupSummary, ...], by: GroupBy) -> list[AppGroupJSON | ModelGroupJSON]:
    """Each group's totals, named by the app or the model it is."""
    if by == "app":
        return [_app_group_json(group) for group in groups]
    return [_model_group_json(group) for group in groups]


def _app_group_json(group: GroupSummary) -> AppGroupJSON:
    return {"app": group.key, **summary_json(group.summary)}


def _model_group_json(group: GroupSummary) -> ModelGroupJSON:
    return {"model": group.key, **summary_json(group.summary)}


def summary_json(summary: FeedbackSummary) -> SummaryJSON:
    """A summary's fields, in the summary's order."""
    return {
        "interactions": summary.interactions,
        "feedback": summary.feedback,
        "feedback_rate": summary.feedback_rate,
        "positive_rate": summary.positive_rate,
        "negative_rate": summary.negative_rate,
        "mean_rating": summary.mean_rating,
        "corrections": summary.corrections,
        "median_seconds_to_feedback": summary.median_seconds_to_feedback,
    }


class IssueTrendJSON(TypedDict):
    """Size gained since the previous clustering run, and the last few runs' points, oldest first."""

    growth: int
    points: list[IssuePoint]


class IssueJSON(TypedDict):
    """One issue as listings show it."""

    id: str
    app: str
    title: str
    summary: str | None
    keywords: list[str]
    size: int
    negative_count: int
    status: str
    regressed: bool
    merged_into: str | None
    first_seen: datetime | None
    last_seen: datetime | None
    trend: IssueTrendJSON


class IssuePage(TypedDict):
    """A page of issues, in the order asked for: pass `next_offset` as `offset` for the next (null: the last page).

    `total`: how many issues the filters match, on every page (the Issues page's "N issues match these filters.").
    """

    data: list[IssueJSON]
    next_offset: int | None
    total: int


def issue_json(issue: Issue) -> IssueJSON:
    """One issue as listings show it."""
    return {
        "id": issue.id,
        "app": issue.app,
        "title": issue.title,
        "summary": issue.summary,
        "keywords": list(issue.keywords),
        "size": issue.size,
        "negative_count": issue.negative_count,
        "status": issue.status.value,
        "regressed": issue.regressed,
        "merged_into": issue.merged_into,
        "first_seen": issue.first_seen,
        "last_seen": issue.last_seen,
        "trend": {"growth": issue.growth, "points": list(issue.trend)},
    }


class IssueEventJSON(TypedDict):
    """Something that happened to an issue: decided by a clustering run (`run_id`) or a person's triage (no run)."""

    kind: str
    detail: dict[str, Any] | None
    run_id: str | None
    at: datetime | None


class IssueDetailJSON(IssueJSON):
    """One issue with its typical complaints, every member interaction id, a daily series and what happened to it."""

    examples: list[IssueExample]
    member_ids: list[str]
    daily: list[IssuePoint]
    events: list[IssueEventJSON]


def issue_detail_json(detail: IssueDetail, history: Sequence[IssueChange]) -> IssueDetailJSON:
    """One issue with its examples, every member id and what happened to it (`history`, gateway.domain.issue_history)."""
    return {
        **issue_json(detail.issue),
        "examples": list(detail.examples),
        "member_ids": list(detail.member_ids),
        "daily": list(detail.daily),
        "events": [{"kind": c.kind, "detail": c.detail, "run_id": c.run_id, "at": c.at} for c in history],
    }
