"""Wiring fix previews from the settings: the routed upstreams, their keys, and the live fixes' own retrieval."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.config import Settings
from gateway.fixes.candidates import Candidate, CandidateApplier, EmbedderSource, embed_with
from gateway.fixes.preview import FixPreviewService
from gateway.fixes.snapshots import FixSnapshots
from gateway.knowledge.index import RetrievalSettings
from gateway.knowledge.injection import InjectionFormat
from gateway.prompts.records import DEFAULT_MODE, AppPrompts, Mode
from gateway.proxy.credentials import upstream_authorization
from gateway.proxy.routing import UpstreamRouter
from gateway.proxy.upstream import UpstreamClient
from gateway.store.fix_previews import FixPreviewStore
from gateway.store.issue_edits import IssueEditStore


def fix_previews(
    settings: Settings,
    engine: AsyncEngine,
    client: UpstreamClient,
    embedder: EmbedderSource,
    retrieval: RetrievalSettings,
    prompts: FixSnapshots[AppPrompts],
    environ: Mapping[str, str],
) -> FixPreviewService:
    """The preview service: replays go through `client` to the upstream `settings` route each model to."""
    upstreams = settings.all_upstreams()
    injection = InjectionFormat(settings.knowledge_message_header, settings.knowledge_entry_template)
    embed = embed_with(embedder)

    def applier(candidate: Candidate) -> CandidateApplier:
        return CandidateApplier(candidate, embed, retrieval, injection)

    def app_mode(app: str) -> Mode:
        # The mode the app's live versions are applied in, as last loaded.
        live = prompts.get(app)
        return live.mode if live is not None else DEFAULT_MODE

    return FixPreviewService(
        FixPreviewStore(engine),
        UpstreamRouter(upstreams),
        client,
        applier,
        app_mode,
        gateway_mode=settings.key_mode == "gateway",
        upstream_keys={up.name: upstream_authorization(up, environ) for up in upstreams},
        issue_heads=IssueEditStore(engine),
    )
