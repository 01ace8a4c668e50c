"""The int8 copy of the bundled model: close to the float model's vectors, cached on disk, chosen by a setting."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from clustering.embed import SentenceTransformerEmbedder, bundled_model_path
from clustering.embed_onnx import OnnxEmbedder, load_onnx_embedder
from clustering.onnx_quantize import cached_int8_file
from gateway.config import Settings
from gateway.embedder import LazyEmbedder
from gateway.knowledge.index import IndexedEntry, RetrievalSettings, build_index, index_texts
from gateway.knowledge.query import QueryEmbedder
from gateway.knowledge.query_model import FastModelState
from gateway.knowledge.setup import question_model

# Real questions, as the gateway embeds them: one per call.
QUESTIONS = [
    "How much does an international transfer cost?",
    "When will my new card arrive?",
    "Can I reset my card PIN in the app?",
    "I was charged twice for the same coffee this morning.",
    "why is my top-up still pending??",
    "my phone got stolen, please freeze everything",
]
TEXTS = [
    *QUESTIONS,
    "What is the fee for sending money abroad?",
    "The exchange rate you gave me was terrible, I want a refund",
    "Is there a limit on how much I can withdraw from an ATM in one day?",
    "Überweisung ins Ausland: wie lange dauert das?",
    "ok",
    "I verified my identity three days ago and nothing happened. " * 20,  # past 128 tokens: truncated
    "A new card arrives within 5 working days; track it under Cards > Delivery.",
]
ENTRIES = [
    IndexedEntry("fees", 1, "Foreign transfer fees", "Transfers abroad cost 1% of the amount, at least 2 EUR."),
    IndexedEntry("delivery", 1, "Card delivery", "A new card arrives within 5 working days.", ("Where is my card?",)),
    IndexedEntry("pin", 1, "Changing your PIN", "Change the PIN at any ATM of our bank, or in the app."),
    IndexedEntry("double", 1, "Charged twice", "A payment shown twice is usually a pending hold that drops off."),
    IndexedEntry("top-up", 1, "Pending top-ups", "Top-ups by bank transfer can take up to 2 working days."),
    IndexedEntry("lost", 1, "Lost or stolen phone", "Freeze your cards from the web app and call us."),
]


def cosines(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", left, right)


def int8_files(cache_dir: Path) -> list[Path]:
    return sorted((cache_dir / "onnx").glob("*-int8-*.onnx"))


def refuse_to_quantize(model_dir: Path, float_file: Path, destination: Path) -> None:
    raise AssertionError("quantised although an intact file was cached")


def one_per_call(embedder: OnnxEmbedder, texts: list[str]) -> np.ndarray:
    return np.stack([embedder.embed([text])[0] for text in texts])


def test_real_questions_get_vectors_close_to_the_float_models(
    int8_embedder: OnnxEmbedder, embedder: SentenceTransformerEmbedder
) -> None:
    assert cosines(one_per_call(int8_embedder, QUESTIONS), embedder.embed(QUESTIONS)).min() > 0.98


def test_odd_texts_stay_close_too(int8_embedder: OnnxEmbedder, embedder: SentenceTransformerEmbedder) -> None:
    # A word or two ("ok") moves most (0.978; the lowest of 3,079 banking77 questions was 0.977).
    close = cosines(one_per_call(int8_embedder, TEXTS), embedder.embed(TEXTS))
    assert close.min() > 0.97 and close.mean() > 0.99


def test_batches_stay_close_but_less(int8_embedder: OnnxEmbedder, embedder: SentenceTransformerEmbedder) -> None:
    # Activations are quantised per batch: a short text beside a 128-token one moves more (0.96
    # for "ok"), which is why questions, embedded one at a time, are what was measured.
    close = cosines(int8_embedder.embed(TEXTS), embedder.embed(TEXTS))
    assert close.min() > 0.95 and close.mean() > 0.985


def test_rows_are_float32_unit_vectors(int8_embedder: OnnxEmbedder) -> None:
    vectors = int8_embedder.embed(TEXTS)
    assert vectors.dtype == np.float32 and vectors.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_its_vectors_are_never_cached_as_the_float_models(int8_embedder: OnnxEmbedder, onnx_embedder) -> None:
    # Caches key vectors by model name: int8 vectors must not be served for (or as) float ones.
    float_name = SentenceTransformerEmbedder().model_name
    assert int8_embedder.model_name != float_name
    assert int8_embedder.stands_in_for == float_name == onnx_embedder.model_name == onnx_embedder.stands_in_for


def test_float_entry_vectors_rank_int8_questions_as_they_rank_float_ones(
    int8_embedder: OnnxEmbedder, embedder: SentenceTransformerEmbedder
) -> None:
    # The gateway's pairing: entries embedded by the product's (float) model, questions by the copy.
    index = build_index(ENTRIES, embedder.embed(index_texts(ENTRIES)))
    retrieval = RetrievalSettings(threshold=-1.0, top_k=1, lexical_weight=0.2)
    for question, entry in zip(QUESTIONS, ENTRIES, strict=True):
        [by_float] = index.search(embedder.embed([question])[0], question, retrieval)
        [by_int8] = index.search(int8_embedder.embed([question])[0], question, retrieval)
        assert by_float.entry.id == by_int8.entry.id == entry.id
        assert by_int8.score == pytest.approx(by_float.score, abs=0.03)


def test_a_second_load_reuses_the_cached_int8_file(int8_embedder: OnnxEmbedder, onnx_cache_dir: Path) -> None:
    [cached] = int8_files(onnx_cache_dir)
    before = cached.stat().st_mtime_ns
    loaded = load_onnx_embedder(onnx_cache_dir, variant="int8", quantize=refuse_to_quantize)
    assert loaded.model_name == int8_embedder.model_name
    assert cached.stat().st_mtime_ns == before


def test_an_int8_file_that_does_not_load_is_quantised_again(
    int8_embedder: OnnxEmbedder, onnx_cache_dir: Path, tmp_path: Path
) -> None:
    shutil.copytree(onnx_cache_dir / "onnx", tmp_path / "onnx")
    [good] = int8_files(tmp_path)
    good_bytes = good.read_bytes()
    float_file = next(path for path in (tmp_path / "onnx").glob("*.onnx") if path != good)
    float_copy = shutil.copyfile(float_file, tmp_path / "float.onnx")

    def write_junk(model_dir: Path, source: Path, destination: Path) -> None:
        destination.write_bytes(b"junk")

    cached_int8_file(bundled_model_path(), float_file, tmp_path, write_junk, force=True)  # digest matches, bad graph
    calls: list[Path] = []

    def copy_good(model_dir: Path, source: Path, destination: Path) -> None:
        calls.append(source)
        destination.write_bytes(good_bytes)

    def copy_float(model_dir: Path, destination: Path) -> None:
        shutil.copyfile(float_copy, destination)

    # The retry makes both files again: one that would not load may have come from a bad float file.
    loaded = load_onnx_embedder(tmp_path, variant="int8", quantize=copy_good, export=copy_float)
    assert len(calls) == 1
    assert good.read_bytes() == good_bytes
    assert loaded.embed(["hello"]).shape == (1, 384)


def test_the_quantising_process_reports_why_it_failed(tmp_path: Path) -> None:
    from clustering.onnx_export import ExportFailed
    from clustering.onnx_quantize import quantize_in_subprocess

    with pytest.raises(ExportFailed, match="quantising the ONNX graph exited with"):
        quantize_in_subprocess(bundled_model_path(), tmp_path / "no-such.onnx", tmp_path / "out.onnx")
    assert list(tmp_path.iterdir()) == []  # nothing left behind, not even the fused intermediate


def test_the_setting_takes_only_known_embedders() -> None:
    assert Settings().knowledge_query_embedder == "onnx-int8"
    for known in ("onnx-int8", "onnx", "model"):
        assert Settings(knowledge_query_embedder=known).knowledge_query_embedder == known
    with pytest.raises(ValidationError):
        Settings(knowledge_query_embedder="int8")


@pytest.mark.parametrize(("setting", "variant"), [("onnx-int8", "int8"), ("onnx", "float")])
async def test_each_setting_embeds_questions_with_its_copy_of_the_entries_model(
    setting: str, variant: str, embedder: SentenceTransformerEmbedder, onnx_cache_dir: Path, int8_embedder
) -> None:
    settings = Settings(knowledge_query_embedder=setting, model_cache_dir=onnx_cache_dir)
    product = LazyEmbedder.holding(embedder)  # what embeds the entries (gateway/knowledge/setup.py)
    model = question_model(settings, product)
    model.prepare()
    assert model.wait(120)
    fast = await model()
    assert model.state is FastModelState.READY
    assert fast.model_name == (embedder.model_name if variant == "float" else f"{embedder.model_name}+onnx-int8")
    vector = await QueryEmbedder(model, 10).embed(QUESTIONS[0])
    floor = 0.9999 if variant == "float" else 0.98
    assert float(np.dot(vector, embedder.embed([QUESTIONS[0]])[0])) > floor
