"""The long-lived resources a running gateway owns, opened and closed together."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.config import ConfigError, Settings
from gateway.domain.interactions import InteractionService
from gateway.domain.issues import IssueService
from gateway.domain.stats import StatsService
from gateway.feedback.service import FeedbackService
from gateway.feedback.token import FeedbackTokens
from gateway.proxy.credentials import CallerResolver, upstream_authorization
from gateway.proxy.forward import ProxyApp
from gateway.proxy.policy import Policy
from gateway.proxy.routing import UpstreamRouter
from gateway.proxy.upstream import AiohttpUpstream, HttpxUpstream, UpstreamClient
from gateway.recording.spool import Spool
from gateway.recording.writer import InteractionWriter
from gateway.review.rule_runner import ReviewRuleRunner
from gateway.review.rules_setup import review_rule_runner
from gateway.review.service import ReviewService, review_service
from gateway.audit.service import AuditService
from gateway.store.audit import AuditStore
from gateway.store.engine import create_engine, is_sqlite
from gateway.store.feedback import FeedbackStore
from gateway.store.interactions import InteractionStore
from gateway.store.issues import IssueStore
from gateway.store.keys import GatewayKeyStore
from gateway.store.migrate import pending_migrations, upgrade_database
from gateway.store.secrets import get_or_create_secret
from gateway.store.stats import StatsStore

logger = logging.getLogger("feedgate")


@dataclass
class Services:
    """Everything the proxy and the API share while the gateway runs."""

    settings: Settings
    engine: AsyncEngine
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
    issues: IssueStore
    # Domain services: what the API and the admin pages call (stores only hold the SQL).
    interaction_service: InteractionService
    stats_service: StatsService
    issue_service: IssueService
    audit_service: AuditService
    # The review queue: tasks, claims, decisions, service levels (rules open tasks through it).
    reviews: ReviewService
    # The similar-negative and anomalous rules' background task (None when both are off).
    rule_runner: ReviewRuleRunner | None = None

    async def close(self) -> None:
        """Flush every buffered interaction, then release connections."""
        if self.rule_runner is not None:
            await self.rule_runner.close()
        await self.writer.close()
        await self.upstream_client.aclose()
        await self.engine.dispose()


async def prepare_database(settings: Settings, engine: AsyncEngine) -> None:
    """Bring SQLite up to date by itself; insist on `feedgate db upgrade` for PostgreSQL."""
    if is_sqlite(engine):
        await asyncio.to_thread(upgrade_database, settings.database_url)
    elif await pending_migrations(settings.database_url):
        raise ConfigError("the database schema is out of date: run `feedgate db upgrade` first")


def create_upstream_client(settings: Settings) -> UpstreamClient:
    """The pooled HTTP client for upstream calls: aiohttp driven directly, or httpx's own transport."""
    if settings.upstream_http_client == "httpx":
        limits = httpx.Limits(max_connections=settings.upstream_max_connections, keepalive_expiry=60)
        return HttpxUpstream(
            httpx.AsyncHTTPTransport(limits=limits, trust_env=True),
            connect_timeout=settings.upstream_connect_timeout,
            read_timeout=settings.upstream_read_timeout,
        )
    return AiohttpUpstream(
        max_connections=settings.upstream_max_connections,
        connect_timeout=settings.upstream_connect_timeout,
        read_timeout=settings.upstream_read_timeout,
    )


async def open_services(settings: Settings, environ: Mapping[str, str] | None = None) -> Services:
    """Open the database, the writer and the upstream client for `settings`."""
    environ = os.environ if environ is None else environ
    # httpx logs every request at INFO: a cost on the hot path and noise in the logs.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    engine = create_engine(settings.database_url)
    try:
        await prepare_database(settings, engine)
        salt = settings.key_salt or await get_or_create_secret(engine, "key_salt")
        feedback_secret = settings.feedback_secret or await get_or_create_secret(engine, "feedback_secret")
    except BaseException:
        await engine.dispose()
        raise
    interactions = InteractionStore(engine)
    keys = GatewayKeyStore(engine)
    writer = InteractionWriter(
        interactions,
        Spool(settings.spool_path),
        batch_size=settings.writer_batch_size,
        flush_interval=settings.writer_flush_interval,
        max_buffered=settings.writer_queue_size,
        retry_interval=settings.writer_retry_interval,
    )
    writer.start()
    resolver = CallerResolver(mode=settings.key_mode, salt=salt, lookup_gateway_key=keys.app_for)
    feedback_tokens = FeedbackTokens(feedback_secret, settings.feedback_token_ttl)
    feedback_store = FeedbackStore(engine)
    rule_runner = review_rule_runner(settings, engine, environ)
    interaction_service = InteractionService(
        store=interactions, feedback_store=feedback_store, writer=writer, flush_interval=settings.writer_flush_interval
    )
    feedback = FeedbackService(
        store=feedback_store,
        interactions=interaction_service,
        resolver=resolver,
        tokens=feedback_tokens,
        max_text_chars=settings.feedback_max_text_chars,
        # A new negative feedback is queued for the similar-negative rule (evaluated in the background).
        on_recorded=rule_runner.feedback_recorded if rule_runner is not None else None,
    )
    upstreams = settings.all_upstreams()
    upstream_client = create_upstream_client(settings)
    policies: list[Policy] = []
    proxy = ProxyApp(
        router=UpstreamRouter(upstreams),
        resolver=resolver,
        client=upstream_client,
        submit=writer.submit,
        upstream_authorization={up.name: upstream_authorization(up, environ) for up in upstreams},
        max_request_bytes=settings.max_request_bytes,
        # Every recorded answer carries a token the end user's browser can send feedback with.
        identity_headers=feedback_tokens.response_headers,
        # The decide step's policies (fixes, the confidence gate) register here; none by default,
        # so every app's requests go upstream untouched.
        policies=policies,
    )
    stats = StatsStore(engine)
    issues = IssueStore(engine)
    if rule_runner is not None:
        rule_runner.start()
    return Services(
        settings=settings,
        engine=engine,
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
        issues=issues,
        interaction_service=interaction_service,
        stats_service=StatsService(stats),
        issue_service=IssueService(issues),
        audit_service=AuditService(AuditStore(engine)),
        reviews=review_service(engine, settings),
        rule_runner=rule_runner,
    )
