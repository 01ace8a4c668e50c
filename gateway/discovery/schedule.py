"""Running clustering passes again and again: for `feedgate worker` and for `serve` in the background."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping

from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.embed import Embedder, OpenAIEmbedder, SentenceTransformerEmbedder
from clustering.embed_local import LocalEmbedder
from clustering.label import LLMTitler
from clustering.llm_judge import LLMMergeJudge
from gateway.config import Settings
from gateway.counted import counted
from gateway.discovery.job import RunSummary, run_clustering_pass
from gateway.discovery.merge_judging import MergeJudging
from gateway.privacy.retention import judgement_lifetime_of
from gateway.side_call_client import side_call_client
from gateway.store.availability import log_failed_round

logger = logging.getLogger("feedgate.discovery")

EMBEDDING_TIMEOUT = 60.0  # seconds; one call embeds a batch of up to 256 texts
TITLE_TIMEOUT = 30.0  # seconds; one short chat answer per new issue (and per merge judge question)


def embedder_for(settings: Settings, environ: Mapping[str, str]) -> Embedder:
    """The configured embedder: an OpenAI-compatible endpoint when `embedding_url` is set,
    else the bundled local model (which loads lazily, on the first embed, in a worker thread)."""
    if settings.embedding_url:
        client = side_call_client(
            settings.embedding_url, settings.embedding_api_key_env, environ, timeout=EMBEDDING_TIMEOUT
        )
        return OpenAIEmbedder(client, settings.embedding_model)
    if settings.local_embedding_runtime == "sentence-transformers":
        return SentenceTransformerEmbedder()
    return LocalEmbedder(settings.model_cache_dir)


def titler_for(settings: Settings, environ: Mapping[str, str]) -> LLMTitler | None:
    """The configured LLM titler, or None when issues are titled from their keywords."""
    if not settings.title_model:
        return None
    base_url = settings.title_url or settings.upstream_url
    client = side_call_client(base_url, settings.title_api_key_env, environ, timeout=TITLE_TIMEOUT)
    return LLMTitler(client, settings.title_model)


def merge_judging_for(settings: Settings, environ: Mapping[str, str]) -> MergeJudging | None:
    """The configured LLM merge judge, or None when passes merge by the geometry alone (the default)."""
    if not settings.merge_judge_model:
        return None
    base_url = settings.merge_judge_url or settings.title_url or settings.upstream_url
    key_env = (
        settings.title_api_key_env if settings.merge_judge_api_key_env is None else settings.merge_judge_api_key_env
    )
    client = side_call_client(base_url, key_env, environ, timeout=TITLE_TIMEOUT)
    judge = LLMMergeJudge(client, settings.merge_judge_model)
    return MergeJudging(judge, settings.merge_judge_max_questions, judgement_lifetime_of(settings))


async def run_periodically(
    engine: AsyncEngine,
    settings: Settings,
    embedder: Embedder,
    interval: float,
    on_pass: Callable[[RunSummary], None] | None = None,
    titler: LLMTitler | None = None,
    merge_judging: MergeJudging | None = None,
) -> None:
    """Run a pass every `interval` seconds until cancelled; a failed pass is logged, not fatal."""
    if not interval > 0:  # also refuses NaN; 0 or less would run passes back to back
        raise ValueError(f"the interval between clustering passes must be a positive number of seconds, got {interval}")
    while True:
        try:
            summary = await run_clustering_pass(engine, settings, embedder, titler=titler, merge_judging=merge_judging)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - logged, with its traceback unless the database is away
            # A bad pass (database hiccup, odd data) must not stop the next one; an outage is one line a pass,
            # saying when the next pass comes.
            log_failed_round(logger, exc, "clustering pass", f"trying again in {interval:g} s")
        else:
            if summary.already_running:
                logger.info("clustering pass skipped: another pass, a prune or an erasure is running")
            for app in summary.apps:
                logger.info(
                    "clustered %s (%s pass): %s, %s (%d new), %d noise",
                    app.app,
                    app.kind,
                    counted(app.items, "item"),
                    counted(app.clusters, "issue"),
                    app.new_issues,
                    app.noise,
                )
            if on_pass is not None:
                on_pass(summary)
        await asyncio.sleep(interval)
