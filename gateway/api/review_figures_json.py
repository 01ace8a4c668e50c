"""The review queue's figures as JSON: its service levels, and an app's confidence calibration."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, TypedDict

from gateway.review.calibration import MEASURES, MeasureReport
from gateway.review.calibration_report import AppCalibration
from gateway.review.figures import Automation, ReviewFigures


class AgreementJSON(TypedDict):
    """How often two reviewers who judged the same task (in the same round) gave the same outcome (`rate`: null
    without pairs)."""

    pairs: int
    agreed: int
    rate: float | None


class AutomationJSON(TypedDict):
    """Answers in the range, how many a review held or a person decided on, and the share that went out without
    review (`rate`: null without answers)."""

    answers: int
    reviewed: int
    rate: float | None


class ReviewFiguresJSON(TypedDict):
    """The queue's service levels over tasks opened in [since, until), and its backlog now; `waiting_by_priority`
    and `decisions_by_reviewer` count by priority and by reviewer, `automation_by_app` by app."""

    since: datetime
    until: datetime
    app: str | None
    opened: int
    resolved: int
    dismissed: int
    resolved_within_deadline: int
    within_deadline_rate: float | None
    median_seconds_to_resolve: float | None
    overdue_now: int
    waiting_by_priority: dict[str, int]
    decisions_by_reviewer: dict[str, int]
    agreement: AgreementJSON
    automation: AutomationJSON
    automation_by_app: dict[str, AutomationJSON]


class MeasureJSON(TypedDict):
    """How one confidence measure did: AUC, the threshold for the review rate and the share of bad answers it
    catches (null figures, with `note`, when there is not enough data)."""

    measure: str
    meaning: str | None
    review_when: Literal["below", "above"]
    answers: int
    bad: int
    auc: float | None
    suggested_threshold: float | None
    reviewed_share: float | None
    catch_rate: float | None
    note: str | None


class CalibrationJSON(TypedDict):
    """An app's calibration report: what was read, the gate's current threshold, the chosen measure, the one that
    separated best, and every measure."""

    app: str
    since: datetime
    until: datetime
    review_rate: float
    chat_answers: int
    answers: int
    bad: int
    without_logprobs: int
    capped: bool
    enough_data: bool
    note: str | None
    current_threshold: float | None
    chosen: MeasureJSON
    best: str | None
    measures: list[MeasureJSON]


def figures_json(figures: ReviewFigures) -> ReviewFiguresJSON:
    """The queue's service-level figures."""
    return {
        "since": figures.since,
        "until": figures.until,
        "app": figures.app,
        "opened": figures.opened,
        "resolved": figures.resolved,
        "dismissed": figures.dismissed,
        "resolved_within_deadline": figures.resolved_within_deadline,
        "within_deadline_rate": figures.within_deadline_rate,
        "median_seconds_to_resolve": figures.median_seconds_to_resolve,
        "overdue_now": figures.overdue_now,
        "waiting_by_priority": figures.waiting_by_priority,
        "decisions_by_reviewer": figures.decisions_by_reviewer,
        "agreement": {
            "pairs": figures.agreement.pairs,
            "agreed": figures.agreement.agreed,
            "rate": figures.agreement.rate,
        },
        "automation": automation_json(figures.automation),
        "automation_by_app": {app: automation_json(a) for app, a in figures.automation_by_app.items()},
    }


def automation_json(automation: Automation) -> AutomationJSON:
    """Answers in the range, how many a review task holds, and the share that went out without review."""
    return {"answers": automation.answers, "reviewed": automation.reviewed, "rate": automation.rate}


_MEANINGS = {measure.name: measure.meaning for measure in MEASURES}


def measure_json(report: MeasureReport) -> MeasureJSON:
    """How one confidence measure did: AUC, the threshold for the review rate and the bad answers it catches."""
    return {
        "measure": report.measure,
        "meaning": _MEANINGS.get(report.measure),
        "review_when": report.review_when,
        "answers": report.answers,
        "bad": report.bad,
        "auc": report.auc,
        "suggested_threshold": report.threshold,
        "reviewed_share": report.reviewed_share,
        "catch_rate": report.caught_share,
        "note": report.note,
    }


def calibration_json(calibration: AppCalibration) -> CalibrationJSON:
    """An app's calibration report: every measure, the chosen one first among equals, and what was read."""
    report = calibration.report
    return {
        "app": calibration.app,
        "since": calibration.since,
        "until": calibration.until,
        "review_rate": report.review_rate,
        "chat_answers": calibration.chat_answers,
        "answers": report.answers,
        "bad": report.bad,
        "without_logprobs": calibration.without_logprobs,
        "capped": calibration.capped,
        "enough_data": calibration.enough_data,
        "note": calibration.note,
        "current_threshold": calibration.current_threshold,
        "chosen": measure_json(report.chosen),
        "best": report.best,
        "measures": [measure_json(measure) for measure in report.measures],
    }
