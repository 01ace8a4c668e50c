"""Settings of review: task deadlines and leases, the rules that open tasks, the retrain trigger, the confidence gate."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator

from gateway.config_checks import (
    ANY_CASE,
    MAX_DAYS,
    MAX_HOURS,
    MAX_MINUTES,
    MAX_SECONDS,
    check_one_gate_per_app,
)
from gateway.config_entries import ReviewGate


class ReviewSettings(BaseModel):
    """How review tasks are opened and worked through, what their decisions set off, and which answers are held."""

    # Review tasks: how long a task of each priority may wait before it is overdue (hours);
    # the common goal is 95 % resolved within 48 hours.
    review_high_deadline_hours: float = Field(default=24, gt=0, le=MAX_HOURS)
    review_medium_deadline_hours: float = Field(default=48, gt=0, le=MAX_HOURS)
    review_low_deadline_hours: float = Field(default=7 * 24, gt=0, le=MAX_HOURS)
    # A claimed task stays with its reviewer this long unless renewed; then it returns to the queue.
    review_lease_seconds: float = Field(default=15 * 60, gt=0, le=MAX_SECONDS)
    # The share of tasks (picked by a stable hash of the task id) that a second reviewer must
    # also judge, so agreement between reviewers can be measured.
    review_second_opinion_share: float = Field(default=0.1, ge=0, le=1)
    # The issue rule, after each clustering pass: an issue opens a review task once it holds
    # `review_issue_min_size` complaints, or when it grew since the previous pass by at least
    # `review_issue_growth` complaints or by `review_issue_growth_share` of its previous size.
    review_issue_rule: bool = True
    review_issue_min_size: int = Field(default=10, ge=1)
    review_issue_growth: int = Field(default=5, ge=1)
    review_issue_growth_share: float = Field(default=1.0, gt=0)
    # The embedding rules, run by one background task (never on the proxy's or the feedback
    # POST's path). Each keeps an in-memory index of an app's recent end-user messages: those of
    # the last `review_recent_window_days`, at most the newest `review_recent_max_per_app`
    # (100k x 384 float32 is ~150 MB per app), brought up to date every
    # `review_recent_refresh_seconds`. Negative feedback waits in a queue of
    # `review_rule_queue_size` (full: the oldest check is dropped and logged).
    review_recent_window_days: float = Field(default=7, gt=0, le=MAX_DAYS)
    review_recent_max_per_app: int = Field(default=100_000, ge=1)
    review_recent_refresh_seconds: float = Field(default=10, ge=0.1)
    review_rule_queue_size: int = Field(default=10_000, ge=1)
    # Similar-negative: on a negative feedback, among the interaction's
    # `review_similar_negative_neighbours` most similar recent interactions (itself excluded), more
    # than `review_similar_negative_share` with negative current feedback opens or updates a task;
    # high priority when more than `review_similar_negative_high_above` are negative.
    review_similar_negative_rule: bool = True
    review_similar_negative_neighbours: int = Field(default=10, ge=1)
    review_similar_negative_share: float = Field(default=0.3, ge=0, lt=1)
    review_similar_negative_high_above: int = Field(default=5, ge=0)
    # A neighbour less similar than this (cosine) is not counted as similar (gateway.review.similar_negative).
    review_similar_negative_min_similarity: float = Field(default=0.3, ge=-1, le=1)
    # A negative neighbour joins the complaint's task only at this cosine or more (gateway.review.similar_negative).
    review_similar_negative_task_similarity: float = Field(default=0.45, ge=-1, le=1)
    # Anomalous: a new interaction whose nearest-neighbour distance in its app's index is beyond
    # the app's own `review_anomalous_percentile` (over a sample of `review_anomalous_sample`
    # interactions, recomputed every `review_anomalous_profile_seconds`) opens a task; an app is
    # judged once its index holds `review_anomalous_min_index` interactions.
    review_anomalous_rule: bool = True
    review_anomalous_percentile: float = Field(default=99, gt=0, lt=100)
    review_anomalous_min_index: int = Field(default=200, ge=2)
    review_anomalous_sample: int = Field(default=1_000, ge=10)
    review_anomalous_profile_seconds: float = Field(default=3600, ge=1, le=MAX_SECONDS)

    # Retrain trigger (gateway.export.retrain): each time `retrain_threshold` new labelled examples
    # (end users' corrections, approving or correcting review decisions) have accumulated since the
    # last trigger, POST to `retrain_webhook_url` once, signed as Standard Webhooks sign (gateway.webhooks)
    # under the secret in the environment variable `retrain_webhook_secret_env` (a URL without it is
    # refused at load). Off without a URL.
    retrain_threshold: int = Field(default=500, ge=1)
    retrain_webhook_url: str | None = Field(default=None, pattern=r"^https?://")
    retrain_webhook_secret_env: str | None = "FEEDGATE_RETRAIN_WEBHOOK_SECRET"
    # The confidence gate (gateway.review.gate): one entry per gated app, e.g. in TOML
    # [[review_gates]] app = "support-bot", mode = "hold". An entry without threshold or mode
    # takes these defaults. A request header `x-feedgate-review: required` marks its answer risky.
    review_gates: list[ReviewGate] = Field(default_factory=list)
    review_gate_threshold: float = Field(default=0.7, ge=0, le=1)
    review_gate_mode: Annotated[Literal["audit", "hold"], ANY_CASE] = "audit"
    # Under mode "hold", a stream cannot be held (its tokens reach the client before its answer can be
    # judged): "refuse" answers every stream of the app 400 stream_not_reviewable before any upstream
    # call; "audit" lets an unflagged one through and audits it when risky. A stream flagged
    # `x-feedgate-review: required` is refused either way. A gate entry's `streams` overrides this.
    review_gate_streams: Annotated[Literal["refuse", "audit"], ANY_CASE] = "refuse"
    # A held answer waits at most this long for a reviewer; a poll after that gets the fallback:
    # "release" the held answer as it is, or "refuse" it (also for a task dismissed undecided).
    review_hold_timeout_minutes: float = Field(default=30, gt=0, le=MAX_MINUTES)
    review_hold_fallback: Annotated[Literal["release", "refuse"], ANY_CASE] = "refuse"
    # At most this share of an app's last `review_hold_cap_window` gated calls is held; a risky
    # answer beyond it is audited instead (goes out at once, opens a task), so a bad threshold
    # cannot stall an app. Counted in memory, per gateway process.
    review_hold_max_share: float = Field(default=0.2, ge=0, le=1)
    review_hold_cap_window: int = Field(default=100, ge=1)
    # When a held answer's task is decided, POST a notice to this URL, signed as Standard Webhooks
    # sign (webhook-id, webhook-timestamp, webhook-signature: HMAC-SHA256 of id, time and body) under
    # `review_webhook_secret` (required with a URL), plus the deprecated x-feedgate-signature. Off without a URL.
    review_webhook_url: str | None = Field(default=None, pattern=r"^https?://")
    # (A URL without its secret is refused with the other checks across settings, in gateway.config.)
    review_webhook_secret: str | None = None

    @field_validator("review_gates")
    @classmethod
    def _one_gate_per_app(cls, gates: list[ReviewGate]) -> list[ReviewGate]:
        check_one_gate_per_app([gate.app for gate in gates])
        return gates
