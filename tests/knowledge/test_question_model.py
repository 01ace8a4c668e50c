"""Which embedder a question goes to: the ONNX copy once it is ready, the product's until then or when it fails."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from clustering.embed import Embedder
from clustering.embed_onnx import load_onnx_embedder
from gateway.config import Settings
from gateway.embedder import LazyEmbedder
from gateway.knowledge.query import QueryEmbedder
from gateway.knowledge.query_model import FastModelState, QuestionModel
from gateway.knowledge.setup import question_model

QUESTION = "How much does an international transfer cost?"


def export_impossible(model_dir: Path, destination: Path) -> None:
    raise RuntimeError("no space left for the export")


class CountingEmbedder:
    """Wraps an embedder, counting its calls (a real embedder underneath)."""

    def __init__(self, inner: Embedder, fail_after: int | None = None) -> None:
        self.model_name = inner.model_name
        self.calls = 0
        self._inner = inner
        self._fail_after = fail_after

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        if self._fail_after is not None and self.calls > self._fail_after:
            raise RuntimeError("onnxruntime fell over")
        return self._inner.embed(texts)


class EndpointLikeEmbedder:
    """Stands in for an embeddings endpoint: another model, other vectors."""

    model_name = "text-embedding-3-small"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.ones((len(texts), 8), dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def cosine(left: np.ndarray, right: np.ndarray) -> float:
    return float(np.dot(left, right))


async def test_questions_go_to_the_onnx_copy_once_it_is_ready(embedder, onnx_cache_dir: Path) -> None:
    product = CountingEmbedder(embedder)
    model = QuestionModel(
        LazyEmbedder.holding(product), lambda: load_onnx_embedder(onnx_cache_dir), embedder.model_name
    )
    model.prepare()
    assert model.wait(60)
    vector = await QueryEmbedder(model, 10).embed(QUESTION)
    assert product.calls == 0
    assert cosine(vector, embedder.embed([QUESTION])[0]) > 0.9999


async def test_until_the_copy_is_ready_the_product_embedder_answers(embedder) -> None:
    release = threading.Event()

    def slow_export() -> Embedder:
        release.wait(30)
        return embedder

    product = CountingEmbedder(embedder)
    model = QuestionModel(LazyEmbedder.holding(product), slow_export, embedder.model_name)
    try:
        vector = await QueryEmbedder(model, 10).embed(QUESTION)  # starts the preparation, does not wait for it
        assert model.state is FastModelState.PREPARING
        assert product.calls == 1
        assert cosine(vector, embedder.embed([QUESTION])[0]) > 0.9999
    finally:
        release.set()
    assert model.wait(30)


async def test_when_the_export_fails_questions_are_still_answered_and_it_is_logged_once(
    embedder, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model = QuestionModel(
        LazyEmbedder.holding(embedder),
        lambda: load_onnx_embedder(tmp_path, export=export_impossible),
        embedder.model_name,
    )
    queries = QueryEmbedder(model, 0)
    with caplog.at_level(logging.WARNING, logger="gateway.knowledge.query_model"):
        await queries.embed(QUESTION)
        assert not model.wait(30)
        vectors = [await queries.embed(QUESTION) for _ in range(3)]
    assert model.state is FastModelState.UNUSED
    assert all(cosine(vector, embedder.embed([QUESTION])[0]) > 0.9999 for vector in vectors)
    [warning] = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert "no space left for the export" in warning.getMessage()


async def test_a_copy_that_fails_on_a_question_hands_over_to_the_product_embedder(
    embedder, onnx_embedder, caplog: pytest.LogCaptureFixture
) -> None:
    fast = CountingEmbedder(onnx_embedder, fail_after=1)  # the warm-up passes, the first question fails
    model = QuestionModel(LazyEmbedder.holding(embedder), lambda: fast, embedder.model_name)
    model.prepare()
    assert model.wait(30)
    queries = QueryEmbedder(model, 0)
    with caplog.at_level(logging.WARNING, logger="gateway.knowledge.query_model"):
        first = await queries.embed(QUESTION)
        second = await queries.embed("When will my new card arrive?")
    assert cosine(first, embedder.embed([QUESTION])[0]) > 0.9999
    assert second.shape == (384,)
    assert fast.calls == 2 and model.state is FastModelState.UNUSED
    assert len([record for record in caplog.records if record.levelno == logging.WARNING]) == 1


async def test_another_product_model_is_never_replaced_by_the_copy() -> None:
    built: list[bool] = []
    endpoint = EndpointLikeEmbedder()

    def build_fast() -> Embedder:
        built.append(True)
        raise AssertionError("the copy was built for another model")

    model = QuestionModel(LazyEmbedder.holding(endpoint), build_fast, "sentence-transformers/all-MiniLM-L6-v2@128")
    model.prepare()
    assert not model.wait(30)
    assert await model() is endpoint
    assert built == []


async def test_the_model_setting_keeps_questions_on_the_product_embedder(embedder) -> None:
    model = question_model(Settings(knowledge_query_embedder="model"), LazyEmbedder.holding(embedder))
    assert await model() is embedder
    assert model.state is FastModelState.UNUSED
