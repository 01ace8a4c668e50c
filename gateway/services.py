"""The long-lived resources a running gateway owns, and closing them together (gateway.services_setup opens them)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.accounts.service import AccountService
from gateway.audit.service import AuditService
from gateway.config import Settings
from gateway.domain.complaint_issues import ComplaintIssues
from gateway.domain.goals import GoalService
from gateway.domain.interactions import InteractionService
from gateway.domain.issues import IssueService
from gateway.domain.seen_apps import SeenApps
from gateway.domain.stats import StatsService
from gateway.domain.stats_refresh import DailyStatsRefresher
from gateway.effect.links import FixLinkService
from gateway.effect.service import EffectService
from gateway.effect.verdict_cache import EffectKeeper
from gateway.export.retrain import RetrainTrigger
from gateway.feedback.service import FeedbackService
from gateway.fixes.issue_fixes import IssueFixes
from gateway.fixes.preview import FixPreviewService
from gateway.knowledge.setup import KnowledgeBase
from gateway.prompts.setup import PromptInstructions
from gateway.proxy.credentials import CallerResolver
from gateway.proxy.forward import ProxyApp
from gateway.proxy.policy import Policy
from gateway.proxy.upstream import UpstreamClient
from gateway.rate_limit_scope import Allowance, allowance
from gateway.recording.spool_claim import ClaimedSpool
from gateway.recording.writer import InteractionWriter
from gateway.review.calibration_report import CalibrationReports
from gateway.review.decision_webhook import HeldDecisionWebhook
from gateway.review.fix_resolution import TaskFixes
from gateway.review.gate import ConfidenceGate
from gateway.review.held_poll import HeldAnswers
from gateway.review.held_redaction import HeldAnswerRedaction
from gateway.review.rule_runner import ReviewRuleRunner
from gateway.review.service import ReviewService
from gateway.store.daily_stats import DailyStatsStore
from gateway.store.feedback import FeedbackStore
from gateway.store.fix_effects import FixEffectStore
from gateway.store.interactions import InteractionStore
from gateway.store.issue_edits import IssueEditStore
from gateway.store.issues import IssueStore
from gateway.store.keys import GatewayKeyStore
from gateway.store.member_issues import MemberIssueStore
from gateway.store.rate_limits import RateLimitRows
from gateway.store.seen_apps import SeenAppStore
from gateway.store.stats import StatsStore
from gateway.store.task_fixes import TaskFixStore

logger = logging.getLogger("feedgate")

# A shutdown step slower than this is named in the log (process managers stop waiting after 5-30 s).
SLOW_CLOSE_SECONDS = 1.0


@dataclass
class Services:
    """Everything the proxy and the API share while the gateway runs."""

    settings: Settings
    # Every wait on it is bounded by `database_timeout` (feedback, the admin API and pages, key lookups, refreshers).
    engine: AsyncEngine
    # Without that bound, for work that may rightly take longer: the writer (which has its own limit), the
    # clustering pass, pruning and erasure.
    jobs_engine: AsyncEngine
    interactions: InteractionStore
    keys: GatewayKeyStore
    writer: InteractionWriter
    resolver: CallerResolver
    upstream_client: UpstreamClient
    proxy: ProxyApp
    # The proxy's request policies, in the order they run (see gateway.proxy.policy).
    policies: list[Policy]
    feedback_store: FeedbackStore
    feedback: FeedbackService
    stats: StatsStore
    daily_stats: DailyStatsStore
    issues: IssueStore
    # Domain services: what the API and the admin pages call (stores only hold the SQL).
    interaction_service: InteractionService
    stats_service: StatsService
    issue_service: IssueService
    audit_service: AuditService
    # Admin users, their passwords, sessions and sign-in limits (the admin pages and `feedgate user`).
    accounts: AccountService
    # The review queue: tasks, claims, decisions, service levels (rules open tasks through it).
    reviews: ReviewService
    # Prompt-instruction versions: the service, the proxy's snapshots and policy, the canary guard.
    prompts: PromptInstructions
    # Knowledge-base entries: the service, the proxy's per-app retrieval snapshots and policy.
    knowledge: KnowledgeBase
    # Fixes linked to issues (and tasks), and the measured effect of a fix on its issue (gateway.effect).
    fix_links: FixLinkService
    effects: EffectService
    # Candidate fixes replayed on an issue's interactions before they go live (gateway.fixes.preview).
    previews: FixPreviewService
    # What an app polling for a held answer gets (GET /v1/reviews/{task_id}).
    held_answers: HeldAnswers
    # Per-app calibration of the confidence measures on labelled answers (GET /api/reviews/calibration).
    calibration: CalibrationReports
    # Goals per app set on the overview page, and their progress (gateway.domain.goals).
    goals: GoalService
    # The confidence gate, registered in `policies` when any app is gated.
    gate: ConfidenceGate | None = None
    # Tells an app its held answer was decided (None without review_webhook_url).
    review_webhook: HeldDecisionWebhook | None = None
    # With redaction on, redacts held answers once their hold is over (None with redaction off).
    held_redaction: HeldAnswerRedaction | None = None
    # The similar-negative and anomalous rules' background task (None when both are off).
    rule_runner: ReviewRuleRunner | None = None
    # Rebuilds stale daily stats roll-ups in the background (None with stats_refresh_interval 0).
    stats_refresher: DailyStatsRefresher | None = None
    # Fires the retrain webhook every N new labelled examples (None without retrain_webhook_url).
    retrain: RetrainTrigger | None = None
    # The writer's spool file, held by this process until it closes (None: a test built its own writer).
    spool: ClaimedSpool | None = None
    # The origins of feedback preflights already logged as not in `cors_origins` (gateway.api.cors): once each.
    warned_origins: set[str] = field(default_factory=set)

    @cached_property
    def admin_token_failures(self) -> Allowance | None:
        """Wrong admin API tokens, counted per client address where rate_limit_scope says (None: no limit)."""
        settings = self.settings
        return allowance(settings, RateLimitRows(self.engine), "admin_token", settings.admin_token_failures_per_minute)

    @cached_property
    def seen_apps(self) -> SeenApps:
        """Which apps have recorded calls: what app fields offer (kept briefly), and the warning for an unseen app."""
        return SeenApps(SeenAppStore(self.engine))

    @property
    def task_fixes(self) -> TaskFixes:
        """The verbs that resolve a review task by the fix it suggests (for the API and the pages alike)."""
        return TaskFixes(
            self.reviews,
            self.knowledge.service,
            self.prompts.service,
            self.fix_links,
            TaskFixStore(self.engine),
            MemberIssueStore(self.engine),
        )

    @property
    def complaint_issues(self) -> ComplaintIssues:
        """Which issue holds an interaction as a complaint, merges followed (the interaction page and API alike)."""
        return ComplaintIssues(MemberIssueStore(self.engine), IssueEditStore(self.engine))

    @property
    def effect_keeper(self) -> EffectKeeper:
        """Measures an issue's effect keeping its latest fix's verdict, and reads the kept verdicts (API and pages)."""
        return EffectKeeper(self.effects, FixEffectStore(self.engine))

    @property
    def issue_fixes(self) -> IssueFixes:
        """The verb that makes a previewed fix live for its issue, without a review task (API and pages alike)."""
        return IssueFixes(self.knowledge.service, self.prompts.service, self.fix_links, TaskFixStore(self.engine))

    async def close(self, slow_after: float = SLOW_CLOSE_SECONDS) -> None:
        """Flush every buffered interaction, then release connections; a step slower than `slow_after` s is logged."""
        steps: list[tuple[str, Callable[[], Awaitable[object]] | None]] = [
            ("the retrain trigger", None if self.retrain is None else self.retrain.close),
            ("the review rules", None if self.rule_runner is None else self.rule_runner.close),
            ("the daily stats refresher", None if self.stats_refresher is None else self.stats_refresher.close),
            ("the confidence gate", None if self.gate is None else self.gate.close),
            ("the review decision webhook", None if self.review_webhook is None else self.review_webhook.close),
            ("the held answers' redaction", None if self.held_redaction is None else self.held_redaction.close),
            ("the prompt instructions", self.prompts.close),
            ("the knowledge base", self.knowledge.close),
            ("the interaction writer", self._close_writer),
            ("the upstream client", self.upstream_client.aclose),
            ("the database pool", self.engine.dispose),
            ("the jobs' database pool", self.jobs_engine.dispose),
        ]
        for name, close in steps:
            if close is None:
                continue
            await _timed_close(name, close, slow_after)

    async def _close_writer(self) -> None:
        await self.writer.close()
        # The spool is released only once the writer has stopped writing to it.
        if self.spool is not None:
            self.spool.release()


async def _timed_close(name: str, close: Callable[[], Awaitable[object]], slow_after: float) -> None:
    # A shutdown that hangs is cut short by the process manager (or a test's lifespan timeout):
    # the log must already name the part holding it up, so the warning comes while it still runs.
    started = time.monotonic()
    step = asyncio.ensure_future(close())
    try:
        done, _ = await asyncio.wait({step}, timeout=slow_after)
        if not done:
            logger.warning("shutdown: closing %s is taking more than %.1f s", name, slow_after)
        await step
    finally:
        step.cancel()  # only when this shutdown was itself cancelled
    took = time.monotonic() - started
    if took >= slow_after:
        logger.warning("shutdown: closing %s took %.1f s", name, took)
