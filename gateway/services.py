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
from gateway.feedback.service import FeedbackService
from gateway.feedback.token import FeedbackTokens
from gateway.proxy.credentials import CallerResolver, upstream_authorization
from gateway.proxy.forward import ProxyApp
from gateway.proxy.routing import UpstreamRouter
from gateway.proxy.upstream import AiohttpUpstream, HttpxUpstream, UpstreamClient
from gateway.recording.spool import Spool
from gateway.recording.writer import InteractionWriter
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
    feedback_store: FeedbackStore
    feedback: FeedbackService
    stats: StatsStore
    issues: IssueStore

    async def close(self) -> None:
        """Flush every buffered interaction, then release connections."""
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
    feedback = FeedbackService(
        store=feedback_store,
        find_interaction=interactions.get,
        flush_interactions=writer.flush,
        resolver=resolver,
        tokens=feedback_tokens,
        max_text_chars=settings.feedback_max_text_chars,
    )
    upstreams = settings.all_upstreams()
    upstream_client = create_upstream_client(settings)
    proxy = ProxyApp(
        router=UpstreamRouter(upstreams),
        resolver=resolver,
        client=upstream_client,
        submit=writer.submit,
        upstream_authorization={up.name: upstream_authorization(up, environ) for up in upstreams},
        max_request_bytes=settings.max_request_bytes,
        # Every answer carries a token the end user's browser can send feedback with.
        identity_headers=feedback_tokens.response_headers,
    )
    return Services(
        settings=settings,
        engine=engine,
        interactions=interactions,
        keys=keys,
        writer=writer,
        resolver=resolver,
        upstream_client=upstream_client,
        proxy=proxy,
        feedback_store=feedback_store,
        feedback=feedback,
        stats=StatsStore(engine),
        issues=IssueStore(engine),
    )
