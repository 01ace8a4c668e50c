"""Which embedder and which issue titler clustering uses is configuration."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import numpy as np
import respx
from chat_replies import chat_reply

from clustering.embed import Embedder, OpenAIEmbedder, SentenceTransformerEmbedder
from clustering.embed_local import LocalEmbedder
from clustering.llm_judge import IssueExhibit
from clustering.onnx_export import ExportFailed
from gateway.config import Settings
from gateway.discovery.schedule import embedder_for, merge_judging_for, titler_for


def test_bundled_model_through_onnxruntime_is_the_default():
    embedder = embedder_for(Settings(), environ={})

    assert isinstance(embedder, LocalEmbedder)
    assert embedder.model_name == SentenceTransformerEmbedder().model_name


def test_sentence_transformers_runs_the_bundled_model_when_configured():
    settings = Settings(local_embedding_runtime="sentence-transformers")

    assert isinstance(embedder_for(settings, environ={}), SentenceTransformerEmbedder)


def test_the_onnx_runtime_embeds_the_vectors_sentence_transformers_would(onnx_cache_dir: Path, embedder):
    texts = ["my card was declined at the shop", "how long does a transfer take?"]
    local = LocalEmbedder(onnx_cache_dir, threads=2)

    vectors = local.embed(texts)

    assert local.runtime == "onnxruntime"
    assert vectors.shape == (2, 384)
    assert np.min(np.sum(vectors * embedder.embed(texts), axis=1)) > 0.9999


def test_sentence_transformers_embeds_when_the_onnx_graph_cannot_be_made(tmp_path: Path, embedder, caplog):
    def cannot_export(cache_dir: Path, threads: int) -> Embedder:
        raise ExportFailed("the exporting process ended without writing the file")

    local = LocalEmbedder(tmp_path, load=cannot_export)

    with caplog.at_level(logging.WARNING, logger="clustering.embed_local"):
        vectors = local.embed(["my card was declined"])

    assert local.runtime == "sentence-transformers"
    assert np.allclose(vectors, embedder.embed(["my card was declined"]), atol=1e-5)
    assert "could not be made or loaded" in caplog.text


@respx.mock
def test_an_openai_compatible_endpoint_is_used_when_configured():
    route = respx.post("http://embeddings.local/v1/embeddings").mock(
        return_value=httpx.Response(
            200,
            json={
                "object": "list",
                "model": "bge-small",
                "data": [{"object": "embedding", "index": 0, "embedding": [3.0, 4.0]}],
                "usage": {"prompt_tokens": 1, "total_tokens": 1},
            },
        )
    )
    settings = Settings(
        embedding_url="http://embeddings.local/v1", embedding_model="bge-small", embedding_api_key_env="EMB_KEY"
    )

    embedder = embedder_for(settings, environ={"EMB_KEY": "sk-emb"})
    vectors = embedder.embed(["card declined"])

    assert isinstance(embedder, OpenAIEmbedder)
    assert route.calls.last.request.headers["authorization"] == "Bearer sk-emb"
    assert vectors.tolist() == [[0.6000000238418579, 0.800000011920929]]


def test_issues_are_titled_from_keywords_unless_a_title_model_is_set():
    assert titler_for(Settings(), environ={}) is None


@respx.mock
def test_the_title_model_defaults_to_the_default_upstream_with_its_key():
    route = respx.post("http://upstream.local/v1/chat/completions").mock(
        return_value=chat_reply('{"title": "Late refunds", "summary": "Slow."}', model="small")
    )
    settings = Settings(upstream_url="http://upstream.local/v1", title_model="small", title_api_key_env="LLM_KEY")

    titled = titler_for(settings, environ={"LLM_KEY": "sk-llm"}).title(["refund"], ["no refund yet"])

    assert titled.title == "Late refunds"
    assert route.calls.last.request.headers["authorization"] == "Bearer sk-llm"


def test_no_merge_judge_is_asked_unless_its_model_is_set():
    assert merge_judging_for(Settings(title_model="small"), environ={}) is None


def _ask_judge(settings: Settings, environ: dict[str, str]) -> bool:
    judging = merge_judging_for(settings, environ)
    assert judging is not None
    shown = IssueExhibit(("refund",), ("no refund yet",))
    return judging.judge.ask(judging.judge.question(shown, shown))


@respx.mock
def test_the_merge_judge_defaults_to_the_title_models_url_and_key():
    route = respx.post("http://titles.local/v1/chat/completions").mock(return_value=chat_reply('{"same": true}'))
    settings = Settings(
        upstream_url="http://upstream.local/v1",
        title_url="http://titles.local/v1",
        title_api_key_env="LLM_KEY",
        merge_judge_model="judge",
    )

    assert _ask_judge(settings, {"LLM_KEY": "sk-llm"}) is True
    assert route.calls.last.request.headers["authorization"] == "Bearer sk-llm"
    assert merge_judging_for(settings, {}).max_questions == 40  # type: ignore[union-attr]


@respx.mock
def test_the_merge_judge_has_its_own_url_and_key_when_set():
    route = respx.post("http://judge.local/v1/chat/completions").mock(return_value=chat_reply('{"same": false}'))
    settings = Settings(
        title_url="http://titles.local/v1",
        merge_judge_model="judge",
        merge_judge_url="http://judge.local/v1",
        merge_judge_api_key_env="JUDGE_KEY",
    )

    assert _ask_judge(settings, {"JUDGE_KEY": "sk-judge", "OPENAI_API_KEY": "sk-other"}) is False
    assert route.calls.last.request.headers["authorization"] == "Bearer sk-judge"
