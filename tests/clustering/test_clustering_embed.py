import json
import threading
import time

import httpx
import numpy as np
import openai
import respx

from clustering.embed import (
    InMemoryEmbeddingCache,
    OpenAIEmbedder,
    SentenceTransformerEmbedder,
    bundled_model_path,
    content_hash,
    embed_with_cache,
)


class CountingEmbedder:
    """Deterministic fake embedder that records every text it was asked to embed."""

    model_name = "counting"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed(self, texts):
        self.calls.append(list(texts))
        vectors = np.array([[len(t), sum(map(ord, t)) % 97 + 1, 1.0] for t in texts], dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_bundled_model_is_found_inside_the_installed_package():
    assert (bundled_model_path() / "model.safetensors").is_file()


def test_packaged_model_returns_float32_unit_rows_of_384_dimensions(embedder):
    vectors = embedder.embed(["My card has not arrived", "The app crashes when I log in"])
    assert vectors.shape == (2, 384)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_packaged_model_puts_paraphrases_closer_than_unrelated_complaints(embedder):
    late, also_late, crash = embedder.embed(
        [
            "My new card still hasn't arrived after two weeks",
            "I ordered a card ages ago and it never came in the post",
            "The app crashes every time I try to log in",
        ]
    )
    assert late @ also_late > late @ crash + 0.2


def test_packaged_model_embeds_nothing_as_an_empty_matrix(embedder):
    assert embedder.embed([]).shape == (0, 384)


def test_model_name_records_the_truncation_so_caches_keep_them_apart():
    assert SentenceTransformerEmbedder(max_seq_length=64).model_name != SentenceTransformerEmbedder().model_name


def test_concurrent_first_calls_load_the_model_once(monkeypatch):
    loads = []

    def slow_load(self):
        loads.append(1)
        time.sleep(0.05)
        return object()

    monkeypatch.setattr(SentenceTransformerEmbedder, "_load", slow_load)
    lazy = SentenceTransformerEmbedder()
    threads = [threading.Thread(target=lazy._loaded_model) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1


def test_embed_with_cache_embeds_only_texts_the_cache_lacks():
    embedder, cache = CountingEmbedder(), InMemoryEmbeddingCache()
    embed_with_cache(embedder, cache, ["a", "bb"])
    embed_with_cache(embedder, cache, ["bb", "ccc", "a"])
    assert embedder.calls == [["a", "bb"], ["ccc"]]


def test_embed_with_cache_returns_the_same_vectors_from_cache_as_fresh():
    embedder, cache = CountingEmbedder(), InMemoryEmbeddingCache()
    fresh = embed_with_cache(embedder, cache, ["x", "yy", "zzz"])
    cached = embed_with_cache(embedder, cache, ["zzz", "x", "yy"])
    assert np.array_equal(cached, fresh[[2, 0, 1]])


def test_embed_with_cache_embeds_a_repeated_text_once():
    embedder, cache = CountingEmbedder(), InMemoryEmbeddingCache()
    vectors = embed_with_cache(embedder, cache, ["same", "same", "other"])
    assert embedder.calls == [["same", "other"]]
    assert np.array_equal(vectors[0], vectors[1])


def test_embed_with_cache_keys_vectors_by_sha256_and_model():
    embedder, cache = CountingEmbedder(), InMemoryEmbeddingCache()
    embed_with_cache(embedder, cache, ["hello"])
    assert set(cache.get_many([content_hash("hello")], "counting")) == {content_hash("hello")}
    assert cache.get_many([content_hash("hello")], "another-model") == {}


@respx.mock
def test_openai_embedder_sends_batches_and_orders_results_by_index():
    requests = []

    def reply(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        requests.append(body["input"])
        # Answer in reverse order: the embedder must use the index, not the position.
        data = [
            {"object": "embedding", "index": i, "embedding": [float(len(text)), 1.0, 0.0]}
            for i, text in reversed(list(enumerate(body["input"])))
        ]
        usage = {"prompt_tokens": 1, "total_tokens": 1}
        return httpx.Response(200, json={"object": "list", "data": data, "model": body["model"], "usage": usage})

    respx.post("http://embeddings.test/v1/embeddings").mock(side_effect=reply)
    # A plain httpx client, which respx mocks (the SDK's own transport may be another library).
    client = openai.OpenAI(base_url="http://embeddings.test/v1", api_key="key", http_client=httpx.Client())
    embedder = OpenAIEmbedder(client, "text-embedding-test", batch_size=2)
    vectors = embedder.embed(["a", "bbb", "cc"])
    assert requests == [["a", "bbb"], ["cc"]]
    assert np.allclose(vectors[:, 0] / vectors[:, 1], [1.0, 3.0, 2.0])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
