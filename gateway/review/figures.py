"""Service-level figures for the review queue: deadlines met, time to resolve, backlog, reviewers, agreement."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Any

from gateway.review.people import count_by_person, same_person
from gateway.review.records import PRIORITY_ORDER

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Agreement:
    """How often two reviewers who judged the same task (in the same round) gave the same outcome."""

    pairs: int
    agreed: int

    @property
    def rate(self) -> float | None:
        """agreed / pairs; None without pairs."""
        return self.agreed / self.pairs if self.pairs else None


@dataclass(frozen=True, slots=True)
class Automation:
    """How many answers went out without review: `reviewed` counts those held for review before they went
    out, and those a person decided a task about (ReviewFigureStore.answers_reviewed); an answer merely
    waiting in an undecided task (an issue's members, an audit), or a held one the `release` fallback let out
    undecided, went out unreviewed."""

    answers: int
    reviewed: int

    @property
    def rate(self) -> float | None:
        """(answers - reviewed) / answers; None without answers. The usual aim is 0.9 or more."""
        return (self.answers - self.reviewed) / self.answers if self.answers else None


@dataclass(frozen=True, slots=True)
class ReviewFigures:
    """The queue's service levels over tasks opened in [since, until), and its backlog now.

    `within_deadline_rate` is the share of tasks that were resolved by their deadline, among
    those resolved plus those still waiting past their deadline (dismissed tasks count in
    neither); None when there are none. The backlog figures (`overdue_now`, `waiting_by_priority`)
    are about every task waiting now, whenever it was opened. Decisions and agreement count
    decisions made within the range. The automation figures count the answers created within the
    range, per app and in all, whenever their task (if any) was opened.
    """

    since: datetime
    until: datetime
    app: str | None
    opened: int
    resolved: int
    dismissed: int
    resolved_within_deadline: int
    # Of the tasks opened in the range, those still waiting though their deadline has passed.
    waiting_past_deadline: int
    within_deadline_rate: float | None
    median_seconds_to_resolve: float | None
    overdue_now: int
    waiting_by_priority: dict[str, int]
    # Reviewers compared without case, each shown as first written (gateway.review.people).
    decisions_by_reviewer: dict[str, int]
    agreement: Agreement
    automation: Automation
    automation_by_app: dict[str, Automation]

    @property
    def late(self) -> int:
        """Tasks opened in the range that missed their deadline: resolved after it, or still waiting past it."""
        return self.resolved - self.resolved_within_deadline + self.waiting_past_deadline

    @property
    def not_due_yet(self) -> int:
        """Tasks opened in the range still waiting within their deadline: counted neither in time nor late."""
        return self.opened - self.resolved - self.dismissed - self.waiting_past_deadline


def review_figures(
    since: datetime,
    until: datetime,
    app: str | None,
    opened: Iterable[Row],
    waiting: Iterable[Row],
    decisions: Iterable[Row],
    now: datetime,
    answers: Iterable[Row] = (),
) -> ReviewFigures:
    """The figures from the stored rows: tasks opened in the range, tasks waiting now, decisions in the range.

    `answers` has one row per app: its answers in the range and how many were held or decided
    (as ReviewFigureStore.answers_reviewed gives them).

    `decisions` must come ordered by task, round and time (as ReviewFigureStore.decisions_made gives them).
    """
    tasks = list(opened)
    resolved = [t for t in tasks if t["status"] == "resolved" and t["closed_at"] is not None]
    on_time = sum(t["closed_at"] <= t["deadline"] for t in resolved)
    late_waiting = sum(t["status"] in ("open", "in_progress") and t["deadline"] <= now for t in tasks)
    judged = len(resolved) + late_waiting
    durations = [(t["closed_at"] - t["created_at"]).total_seconds() for t in resolved]
    backlog = list(waiting)
    by_priority = Counter(t["priority"] for t in backlog)
    made = list(decisions)
    by_app = {row["app"]: Automation(int(row["answers"]), int(row["reviewed"])) for row in answers}
    return ReviewFigures(
        since=since,
        until=until,
        app=app,
        opened=len(tasks),
        resolved=len(resolved),
        dismissed=sum(t["status"] == "dismissed" for t in tasks),
        resolved_within_deadline=on_time,
        waiting_past_deadline=late_waiting,
        within_deadline_rate=on_time / judged if judged else None,
        median_seconds_to_resolve=statistics.median(durations) if durations else None,
        overdue_now=sum(t["deadline"] <= now for t in backlog),
        waiting_by_priority={p.value: by_priority.get(p.value, 0) for p in PRIORITY_ORDER},
        decisions_by_reviewer=count_by_person(made),
        agreement=agreement(made),
        automation=Automation(sum(a.answers for a in by_app.values()), sum(a.reviewed for a in by_app.values())),
        automation_by_app=by_app,
    )


def agreement(decisions: list[Row]) -> Agreement:
    """Agreement over second-opinion tasks: per task and round, the first two decisions by different reviewers.

    Two `correct` outcomes agree even when the corrections' words differ: the reviewers agree the
    answer was wrong and needed replacing. Two decisions on different choices of an answer (`n` > 1)
    disagree: they judged different answers.
    """
    pairs = agreed = 0
    for _, group in groupby((d for d in decisions if d["second_opinion"]), key=lambda d: (d["task_id"], d["round"])):
        judged = list(group)
        if len(judged) >= 2 and not same_person(judged[0]["reviewer"], judged[1]["reviewer"]):
            pairs += 1
            first, second = judged[0], judged[1]
            agreed += first["outcome"] == second["outcome"] and first.get("choice", 0) == second.get("choice", 0)
    return Agreement(pairs, agreed)
