"""Which embedder clustering uses is configuration."""

from __future__ import annotations

import httpx
import respx

from clustering.embed import OpenAIEmbedder, SentenceTransformerEmbedder
from gateway.config import Settings
from gateway.discovery.schedule import embedder_for


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
