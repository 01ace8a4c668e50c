"""Building the gateway's long-lived resources (Services) from its settings: the database checked, every part wired."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Mapping
from contextlib import AsyncExitStack

from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.accounts.setup import account_service
from gateway.audit.service import AuditService
from gateway.config import Settings
from gateway.config_checks import ConfigError
from gateway.domain.goals import GoalService
from gateway.domain.interactions import InteractionService
from gateway.domain.issues import IssueService
from gateway.domain.stats import StatsService
from gateway.domain.stats_refresh import DailyStatsRefresher
from gateway.effect.links import FixLinkService
from gateway.effect.service import EffectService, effect_settings
from gateway.embedder import product_embedder
from gateway.export.retrain import retrain_trigger
from gateway.feedback.limits import feedback_limits
from gateway.feedback.service import FeedbackService, Recorded
from gateway.feedback.shared_rate_limit import AllowanceExpiry
from gateway.feedback.token import FeedbackTokens
from gateway.fixes.setup import fix_previews
from gateway.knowledge.setup import knowledge_base
from gateway.privacy.redaction import redactor_for
from gateway.prompts.setup import prompt_instructions
from gateway.proxy.credentials import CallerResolver, upstream_authorization
from gateway.proxy.forward import ProxyApp
from gateway.proxy.policy import Policy
from gateway.proxy.read_timeouts import ReadTimeouts
from gateway.proxy.response_homes import ResponseHomes
from gateway.proxy.routing import UpstreamRouter
from gateway.proxy.upstream import create_upstream_client
from gateway.rate_limit_scope import counted_in_database
from gateway.recording.spool_claim import claim_spool
from gateway.recording.writer import InteractionWriter
from gateway.review.calibration_report import calibration_reports
from gateway.review.decision_webhook import held_decision_webhook
from gateway.review.gate import confidence_gate
from gateway.review.held_poll import HeldAnswers
from gateway.review.held_redaction import held_answer_redaction
from gateway.review.merged_issues import follow_merged_issues
from gateway.review.rules_setup import review_rule_runner
from gateway.review.service import review_service
from gateway.services import Services
from gateway.store.audit import AuditStore
from gateway.store.availability import database_unavailable
from gateway.store.daily_stats import DailyStatsStore
from gateway.store.engine import DatabaseUnreachable, check_reachable, create_engine, is_sqlite
from gateway.store.feedback import FeedbackStore
from gateway.store.fix_links import FixLinkStore
from gateway.store.goals import GoalStore
from gateway.store.interactions import InteractionStore
from gateway.store.issue_edits import IssueEditStore
from gateway.store.issues import IssueStore
from gateway.store.keys import GatewayKeyStore
from gateway.store.migrate import database_revision, pending_migrations, upgrade_database
from gateway.store.rate_limits import RateLimitRows
from gateway.store.response_homes import ResponseHomeStore
from gateway.store.review_figures import ReviewFigureStore
from gateway.store.secrets import get_or_create_secret
from gateway.store.stats import StatsStore

logger = logging.getLogger("feedgate")


async def prepare_database(settings: Settings, engine: AsyncEngine, *, migrates: bool = True) -> None:
    """Bring SQLite up to date by itself; insist on `feedgate db upgrade` for PostgreSQL.

    Without `migrates` (a read-only command) SQLite is held to PostgreSQL's rule: a reader never
    changes the schema, so an out-of-date one is refused, not upgraded as a side effect.
    """
    await check_reachable(engine, source=settings.origin_of("database_url"))
    if is_sqlite(engine) and migrates:
        await asyncio.to_thread(upgrade_database, settings.database_url)
    elif await pending_migrations(settings.database_url):
        raise ConfigError(await _schema_behind(settings.database_url))


async def _schema_behind(database_url: str) -> str:
    """What a database behind this Feedgate's schema is told; read again only on this path, never on a start that goes on.

    One Feedgate never migrated (no Alembic version table: a new PostgreSQL database, an empty SQLite file) was
    called "out of date", as if an older Feedgate had made it.
    """
    if await database_revision(database_url) is None:
        return "the database holds no Feedgate schema yet: run `feedgate db upgrade` first"
    return "the database schema is out of date: run `feedgate db upgrade` first"


async def open_services(
    settings: Settings, environ: Mapping[str, str] | None = None, *, may_start_without_database: bool = False
) -> Services:
    """Open the database, the writer and the upstream client for `settings`.

    `may_start_without_database` is for a process whose parent checked the database and handed it
    the secrets (a `serve --workers N` worker): one started while the database is away (uvicorn
    replacing a worker that died during an outage) starts anyway and spools, instead of failing
    its start, which would make uvicorn stop every worker.
    """
    environ = os.environ if environ is None else environ
    # httpx logs every request at INFO: a cost on the hot path and noise in the logs.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    engine = create_engine(settings.database_url, answer_timeout=settings.database_timeout)
    jobs_engine = create_engine(settings.database_url)
    async with AsyncExitStack() as undo:
        # A start that fails (or is cancelled) part-way closes what it opened and stopped what it started,
        # last first: left open, a pool's connections outlived the event loop they were made on.
        undo.push_async_callback(jobs_engine.dispose)
        undo.push_async_callback(engine.dispose)
        services = await _open_services(settings, environ, engine, jobs_engine, undo, may_start_without_database)
        undo.pop_all()
    return services


async def _open_services(
    settings: Settings,
    environ: Mapping[str, str],
    engine: AsyncEngine,
    jobs_engine: AsyncEngine,
    undo: AsyncExitStack,
    may_start_without_database: bool,
) -> Services:
    """The services on these engines; what each part started is registered on `undo` as it starts."""
    try:
        await prepare_database(settings, engine)
    except Exception as exc:
        # Unreachable at the first check, or lost just after it (during the schema check).
        away = isinstance(exc, DatabaseUnreachable) or database_unavailable(exc)
        if not (away and may_start_without_database and settings.key_salt and settings.feedback_secret):
            raise
        said = exc if isinstance(exc, DatabaseUnreachable) else f"database unavailable ({type(exc).__name__})"
        logger.warning("%s; starting anyway: interactions are spooled until the database is back", said)
    salt = settings.key_salt or await get_or_create_secret(engine, "key_salt")
    feedback_secret = settings.feedback_secret or await get_or_create_secret(engine, "feedback_secret")
    retrain = retrain_trigger(settings, engine, environ)
    if retrain is not None:
        undo.push_async_callback(retrain.close)
    interactions = InteractionStore(engine)
    keys = GatewayKeyStore(engine)
    # This process's own spool (several gateway processes may share `spool_path`), with the rows
    # of any spool a dead process left behind moved into it (gateway.recording.spool_claim).
    spool = await asyncio.to_thread(claim_spool, settings.spool_path)
    undo.callback(spool.release)
    writer = InteractionWriter(
        # The limit is a lock wait on SQLite, whose statements run in this process and cannot be cut
        # short (a slow disk is waited out), and a deadline on PostgreSQL, which can hang on a network.
        # On the jobs' engine: a batch may take up to its own limit, longer than a web request may wait.
        InteractionStore(jobs_engine, sqlite_lock_wait=settings.writer_database_timeout),
        spool.spool,
        batch_size=settings.writer_batch_size,
        flush_interval=settings.writer_flush_interval,
        max_buffered=settings.writer_queue_size,
        retry_interval=settings.writer_retry_interval,
        database_timeout=None if is_sqlite(engine) else settings.writer_database_timeout,
        redactor=redactor_for(settings),
    )
    writer.start()
    undo.push_async_callback(writer.close)
    resolver = CallerResolver(
        mode=settings.key_mode, salt=salt, lookup_gateway_key=keys.live_key, cache_seconds=settings.key_cache_seconds
    )
    feedback_tokens = FeedbackTokens(feedback_secret, settings.feedback_token_ttl)
    feedback_store = FeedbackStore(engine, redactor=redactor_for(settings))
    # One embedder (one model in memory) for retrieval, the review rules, effects and previews, built on first use.
    embedder = product_embedder(settings, environ)
    reviews = review_service(engine, settings)
    rule_runner = review_rule_runner(settings, engine, reviews, embedder)
    interaction_service = InteractionService(
        store=interactions, feedback_store=feedback_store, writer=writer, flush_interval=settings.writer_flush_interval
    )
    allowance_rows = RateLimitRows(engine)
    if counted_in_database(settings):
        allowance_expiry = AllowanceExpiry(allowance_rows)
        allowance_expiry.start()
        undo.push_async_callback(allowance_expiry.close)
    feedback = FeedbackService(
        store=feedback_store,
        interactions=interaction_service,
        resolver=resolver,
        tokens=feedback_tokens,
        max_text_chars=settings.feedback_max_text_chars,
        # The per-token bound and the rate limits on /v1/feedback (in memory, or in the database).
        limits=feedback_limits(settings, allowance_rows),
        # A new negative feedback is queued for the similar-negative rule (evaluated in the background).
        on_recorded=_each(
            rule_runner.feedback_recorded if rule_runner is not None else None,
            retrain.on_feedback if retrain is not None else None,
        ),
    )
    upstreams = settings.all_upstreams()
    upstream_client = create_upstream_client(settings)
    undo.push_async_callback(upstream_client.aclose)
    prompts = prompt_instructions(settings, engine)
    # Prompt instructions come first and knowledge after, so knowledge entries are added after the
    # instructions (and a `replace` mode never removes them).
    knowledge = knowledge_base(settings, engine, embedder)
    policies: list[Policy] = [prompts.policy, knowledge.policy]
    router = UpstreamRouter(upstreams)
    proxy = ProxyApp(
        router=router,
        resolver=resolver,
        client=upstream_client,
        submit=writer.submit,
        upstream_authorization={up.name: upstream_authorization(up, environ) for up in upstreams},
        max_request_bytes=settings.max_request_bytes,
        # Every recorded answer carries a token the end user's browser can send feedback with.
        identity_headers=feedback_tokens.response_headers,
        # The decide step's policies (fixes, the confidence gate) register here; an app that none
        # of them claims has its requests go upstream untouched.
        policies=policies,
        read_timeouts=ReadTimeouts(
            settings.upstream_read_timeout, settings.upstream_max_read_timeout or settings.upstream_read_timeout
        ),
        # Several upstreams: a look at a response goes where its create went (found in the database, then kept).
        response_homes=ResponseHomes(router, ResponseHomeStore(engine).home, writer) if len(upstreams) > 1 else None,
    )
    stats = StatsStore(engine)
    daily_stats = DailyStatsStore(engine, stats)
    stats_service = StatsService(daily_stats)
    issues = IssueStore(engine)
    # Held answers keep their exact bytes while their hold runs, then get the writer's redaction.
    held_redaction = held_answer_redaction(settings, engine)
    # One rule for what a held task answers: the polls' and a held call repeated under its Idempotency-Key.
    held_answers = HeldAnswers(reviews, resolver, settings.review_hold_fallback, redaction=held_redaction)
    gate = confidence_gate(settings, reviews, held_answers)
    if gate is not None:
        policies.append(gate)
        undo.push_async_callback(gate.close)
    review_webhook = held_decision_webhook(settings)
    if review_webhook is not None:
        reviews.add_decision_listener(review_webhook.on_decision)
        reviews.add_dismissal_listener(review_webhook.on_dismissal)
        undo.push_async_callback(review_webhook.close)
    if held_redaction is not None:
        reviews.add_decision_listener(held_redaction.on_decision)
        held_redaction.start()
        undo.push_async_callback(held_redaction.close)
    if rule_runner is not None:
        rule_runner.start()
        undo.push_async_callback(rule_runner.close)
    stats_refresher = None
    if settings.stats_refresh_interval:
        stats_refresher = DailyStatsRefresher(daily_stats, settings.stats_refresh_interval)
        stats_refresher.start()
        undo.push_async_callback(stats_refresher.close)
    undo.push_async_callback(prompts.close)
    await prompts.start()
    undo.push_async_callback(knowledge.close)
    await knowledge.start()
    if retrain is not None:
        reviews.add_decision_listener(retrain.on_decision)
        # Examples may have arrived while the gateway was down (imports, another process).
        retrain.poke()
    issue_edits = IssueEditStore(engine)
    issue_service = IssueService(issues, issue_edits)
    fix_links = FixLinkService(FixLinkStore(engine), issue_edits)
    # What was about an issue merged away goes with its complaints: its open review task and its fixes.
    issue_service.add_merge_listener(lambda app: follow_merged_issues(reviews, issue_service, app))
    issue_service.add_merge_listener(fix_links.follow_merges)
    return Services(
        settings=settings,
        engine=engine,
        jobs_engine=jobs_engine,
        interactions=interactions,
        keys=keys,
        writer=writer,
        resolver=resolver,
        upstream_client=upstream_client,
        proxy=proxy,
        policies=policies,
        feedback_store=feedback_store,
        feedback=feedback,
        stats=stats,
        daily_stats=daily_stats,
        issues=issues,
        interaction_service=interaction_service,
        stats_service=stats_service,
        issue_service=issue_service,
        audit_service=AuditService(AuditStore(engine)),
        accounts=account_service(engine, settings),
        reviews=reviews,
        held_answers=held_answers,
        calibration=calibration_reports(engine, settings),
        goals=GoalService(GoalStore(engine), ReviewFigureStore(engine), stats_service),
        gate=gate,
        review_webhook=review_webhook,
        held_redaction=held_redaction,
        rule_runner=rule_runner,
        stats_refresher=stats_refresher,
        prompts=prompts,
        knowledge=knowledge,
        fix_links=fix_links,
        effects=EffectService(engine, embedder, effect_settings(settings)),
        previews=fix_previews(
            settings, engine, upstream_client, embedder, knowledge.policy.retrieval, prompts.snapshots, environ
        ),
        retrain=retrain,
        spool=spool,
    )


def _each(*listeners: Callable[[Recorded], None] | None) -> Callable[[Recorded], None] | None:
    """One feedback listener calling each of `listeners` that is set (None when none is)."""
    chosen = [listener for listener in listeners if listener is not None]
    if not chosen:
        return None
    if len(chosen) == 1:
        return chosen[0]

    def each(recorded: Recorded) -> None:
        for listener in chosen:
            listener(recorded)

    return each
