"""Which embedder and which issue titler clustering uses is configuration."""

from __future__ import annotations

import httpx
import respx
from chat_replies import chat_reply

from clustering.embed import OpenAIEmbedder, SentenceTransformerEmbedder
from gateway.config import Settings
from gateway.discovery.schedule import embedder_for, titler_for


def test_bundled_model_is_the_default():
    assert isinstance(embedder_for(Settings(), environ={}), SentenceTransformerEmbedder)


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
