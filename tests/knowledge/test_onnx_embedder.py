"""The bundled model through onnxruntime: the same vectors as sentence-transformers, exported once and cached."""

from __future__ import annotations

import concurrent.futures
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from clustering.embed import SentenceTransformerEmbedder, bundled_model_path
from clustering.embed_onnx import OnnxEmbedder, load_onnx_embedder
from clustering.onnx_export import (
    ExportFailed,
    cache_key,
    cached_onnx_file,
    export_in_subprocess,
)

TEXTS = [
    "How much does an international transfer cost?",
    "What is the fee for sending money abroad?",
    "When will my new card arrive?",
    "My card has not arrived yet",
    "How do I change my PIN?",
    "Can I reset my card PIN in the app?",
    "I was charged twice for the same coffee this morning.",
    "why is my top-up still pending??",
    "The exchange rate you gave me was terrible, I want a refund",
    "Is there a limit on how much I can withdraw from an ATM in one day?",
    "my phone got stolen, please freeze everything",
    "Can I get a virtual card for online shopping?",
    "What currencies can I hold in my account?",
    "Überweisung ins Ausland: wie lange dauert das?",
    "ok",
    "",
    "I verified my identity three days ago and nothing happened. " * 20,  # past 128 tokens: truncated
    "Transfers to foreign accounts cost 1% of the amount, at least 2 EUR.",
    "A new card arrives within 5 working days; track it under Cards > Delivery.",
    "Change the PIN at any ATM of our bank, or in the app under Cards > PIN.",
]


class CopyingExporter:
    """Exports by copying a known-good ONNX file, counting how often it was asked to."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.calls = 0

    def __call__(self, model_dir: Path, destination: Path) -> None:
        self.calls += 1
        shutil.copyfile(self.source, destination)


def refuse_to_export(model_dir: Path, destination: Path) -> None:
    raise AssertionError("exported although an intact file was cached")


def cached_file(cache_dir: Path) -> Path:
    # The float export; the session's cache may also hold the int8 copy (test_onnx_int8_embedder.py).
    [path] = (path for path in (cache_dir / "onnx").glob("*.onnx") if "-int8-" not in path.name)
    return path


def cosines(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", left, right)


def test_vectors_match_sentence_transformers_on_real_texts(onnx_embedder: OnnxEmbedder, embedder) -> None:
    assert cosines(onnx_embedder.embed(TEXTS), embedder.embed(TEXTS)).min() > 0.9999


def test_one_question_alone_gets_the_same_vector_as_in_a_batch(onnx_embedder: OnnxEmbedder, embedder) -> None:
    alone = np.stack([onnx_embedder.embed([text])[0] for text in TEXTS])
    assert cosines(alone, embedder.embed(TEXTS)).min() > 0.9999


def test_rows_are_float32_unit_vectors_in_the_callers_order(onnx_embedder: OnnxEmbedder) -> None:
    vectors = onnx_embedder.embed(TEXTS)
    assert vectors.dtype == np.float32 and vectors.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    reversed_vectors = onnx_embedder.embed(TEXTS[::-1])[::-1]
    assert cosines(vectors, reversed_vectors).min() > 0.99999


def test_its_model_name_is_the_sentence_transformers_one(onnx_embedder: OnnxEmbedder) -> None:
    # Vectors cached by (text, model name) are shared between the two.
    assert onnx_embedder.model_name == SentenceTransformerEmbedder().model_name


def test_a_second_load_reuses_the_cached_file_without_exporting(onnx_cache_dir: Path) -> None:
    before = cached_file(onnx_cache_dir).stat().st_mtime_ns
    loaded = load_onnx_embedder(onnx_cache_dir, export=refuse_to_export)
    assert loaded.embed(["hello"]).shape == (1, 384)
    assert cached_file(onnx_cache_dir).stat().st_mtime_ns == before


def test_a_corrupt_cached_file_is_exported_again(onnx_cache_dir: Path, tmp_path: Path, embedder) -> None:
    shutil.copytree(onnx_cache_dir / "onnx", tmp_path / "onnx")
    good = tmp_path / "good.onnx"
    shutil.copyfile(cached_file(tmp_path), good)
    cached_file(tmp_path).write_bytes(good.read_bytes()[: 1 << 20])  # cut short, as by a full disk
    exporter = CopyingExporter(good)
    loaded = load_onnx_embedder(tmp_path, export=exporter)
    assert exporter.calls == 1
    assert cached_file(tmp_path).read_bytes() == good.read_bytes()
    assert cosines(loaded.embed(TEXTS[:3]), embedder.embed(TEXTS[:3])).min() > 0.9999


def write_junk(model_dir: Path, destination: Path) -> None:
    destination.write_bytes(b"junk")


def test_a_file_that_matches_its_digest_but_does_not_load_is_exported_again(
    onnx_cache_dir: Path, tmp_path: Path
) -> None:
    good = cached_file(onnx_cache_dir)
    broken = cached_onnx_file(bundled_model_path(), tmp_path, write_junk)
    exporter = CopyingExporter(good)
    loaded = load_onnx_embedder(tmp_path, export=exporter)
    assert exporter.calls == 1
    assert broken.read_bytes() == good.read_bytes()
    assert loaded.embed(["hello"]).shape == (1, 384)


def small_model_folder(folder: Path) -> Path:
    folder.mkdir()
    (folder / "config.json").write_text('{"hidden_size": 384}')
    (folder / "weights.bin").write_bytes(b"\x00" * 64)
    return folder


def test_the_cache_key_changes_with_any_model_file(tmp_path: Path) -> None:
    model = small_model_folder(tmp_path / "model")
    before = cache_key(model)
    assert cache_key(model) == before
    (model / "weights.bin").write_bytes(b"\x01" * 64)
    assert cache_key(model) != before


def test_a_file_exported_from_other_model_files_is_never_used(tmp_path: Path) -> None:
    model = small_model_folder(tmp_path / "model")
    exports: list[bytes] = []

    def export(model_dir: Path, destination: Path) -> None:
        exports.append((model_dir / "weights.bin").read_bytes())
        destination.write_bytes(exports[-1])

    first = cached_onnx_file(model, tmp_path / "cache", export)
    (model / "weights.bin").write_bytes(b"\x01" * 64)
    second = cached_onnx_file(model, tmp_path / "cache", export)
    assert len(exports) == 2
    assert second != first and second.read_bytes() == b"\x01" * 64


def test_a_failed_export_leaves_no_file_behind(tmp_path: Path) -> None:
    model = small_model_folder(tmp_path / "model")

    def half_written(model_dir: Path, destination: Path) -> None:
        destination.write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        cached_onnx_file(model, tmp_path / "cache", half_written)
    left = [path.name for path in (tmp_path / "cache" / "onnx").iterdir()]
    assert left == [".export.lock"]  # the lock file stays; no half-written graph, no temporary file


def test_the_export_process_reports_why_it_failed(tmp_path: Path) -> None:
    with pytest.raises(ExportFailed, match="exited with"):
        export_in_subprocess(tmp_path / "no-such-model", tmp_path / "out.onnx")
    assert not (tmp_path / "out.onnx").exists()


def test_an_abandoned_temporary_export_is_removed_before_the_next_export(tmp_path: Path) -> None:
    model = small_model_folder(tmp_path / "model")
    folder = tmp_path / "cache" / "onnx"
    folder.mkdir(parents=True)
    abandoned = folder / ".model-0123.onnx.abc.tmp"
    abandoned.write_bytes(b"half an export")  # left by a process that died mid-export
    cached_onnx_file(model, tmp_path / "cache", lambda model_dir, destination: destination.write_bytes(b"graph"))
    assert not abandoned.exists()


def test_a_process_waiting_for_another_ones_export_uses_its_file(tmp_path: Path) -> None:
    model = small_model_folder(tmp_path / "model")
    exports: list[str] = []
    inside = threading.Event()
    release = threading.Event()

    def slow_export(model_dir: Path, destination: Path) -> None:
        exports.append("slow")
        inside.set()
        release.wait(30)
        destination.write_bytes(b"graph")

    first = concurrent.futures.ThreadPoolExecutor(1).submit(cached_onnx_file, model, tmp_path / "cache", slow_export)
    assert inside.wait(30)
    second = concurrent.futures.ThreadPoolExecutor(1).submit(
        cached_onnx_file, model, tmp_path / "cache", lambda model_dir, destination: exports.append("second")
    )
    release.set()
    assert first.result(30) == second.result(30)
    assert exports == ["slow"]


def test_a_texts_vector_is_the_same_bits_whatever_it_is_embedded_with(onnx_embedder: OnnxEmbedder) -> None:
    # A pass is chaotic in its vectors (a change of 1e-7 moves issues, docs/discovery.md, "Same complaints, same issues"):
    # the product's embedder must not let batch-mates or order touch a text's vector.
    together = onnx_embedder.embed(TEXTS)
    alone = np.stack([onnx_embedder.embed([text])[0] for text in TEXTS])
    reversed_vectors = onnx_embedder.embed(TEXTS[::-1])[::-1]
    with_others = onnx_embedder.embed([*TEXTS, "Why was my card declined at the shop?", "How do I top up?"])
    assert np.array_equal(together, alone)
    assert np.array_equal(together, reversed_vectors)
    assert np.array_equal(together, with_others[: len(TEXTS)])
