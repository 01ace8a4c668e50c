"""The API's JSON: one shape per domain record, so every endpoint shows a record the same way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any, TypeVar

from gateway.domain.feedback import FeedbackEvent
from gateway.domain.interactions import Interaction, InteractionWithFeedback
from gateway.domain.issues import Issue, IssueDetail
from gateway.domain.paging import Page
from gateway.domain.stats import StatsReport

T = TypeVar("T")
JSON = dict[str, Any]


def page_json(page: Page[T], item_json: Callable[[T], JSON]) -> JSON:
    """A page of a listing: its items and the cursor or offset of the next page."""
    if page.paging == "cursor":
        return {"data": [item_json(item) for item in page.data], "next_cursor": page.next_cursor}
    return {"data": [item_json(item) for item in page.data], "next_offset": page.next_offset}


def fields_json(record: Any) -> JSON:
    """A flat record as it is: every field under its own name (dates are left to the encoder).

    Shallow, unlike dataclasses.asdict, which would copy every request and response document.
    """
    return {field.name: getattr(record, field.name) for field in fields(record)}


def interaction_json(interaction: Interaction) -> JSON:
    """One interaction: every field, the token usage as an object (or None when the upstream reported none), and
    whether the review gate held its answer (the app then got 202 and the reviewer's decision)."""
    usage = interaction.usage
    return {
        **fields_json(interaction),
        "usage": fields_json(usage) if usage is not None else None,
        "held_for_review": interaction.held_for_review,
    }


def feedback_json(event: FeedbackEvent) -> JSON:
    """One feedback event: every field."""
    return fields_json(event)


def interaction_with_feedback_json(found: InteractionWithFeedback) -> JSON:
    """One interaction with its feedback: every event and each user's current one."""
    feedback = {
        "events": [feedback_json(event) for event in found.events],
        "current": [feedback_json(event) for event in found.current],
    }
    return {**interaction_json(found.interaction), "feedback": feedback}


def stats_json(report: StatsReport) -> JSON:
    """The stats report: its scope, totals, daily series and, when grouped, each group's totals."""
    shown: JSON = {
        "since": report.since,
        "until": report.until,
        "app": report.app,
        "model": report.model,
        "totals": fields_json(report.totals),
        "daily": [{"date": day.day.isoformat(), **fields_json(day.summary)} for day in report.daily],
    }
    if report.group_by is not None and report.groups is not None:
        shown["groups"] = [{report.group_by: group.key, **fields_json(group.summary)} for group in report.groups]
    return shown


def issue_json(issue: Issue) -> JSON:
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
        "trend": {"growth": issue.growth, "points": [fields_json(point) for point in issue.trend]},
    }


def issue_detail_json(detail: IssueDetail) -> JSON:
    """One issue with its examples, every member id and what happened to it."""
    return {
        **issue_json(detail.issue),
        "examples": [fields_json(example) for example in detail.examples],
        "member_ids": list(detail.member_ids),
        "daily": [fields_json(point) for point in detail.daily],
        "events": [fields_json(change) for change in detail.changes],
    }
