"""The bundled all-MiniLM-L6-v2 run by onnxruntime, as float (the same vectors) or int8 (close ones, faster).

Built for embedding one short text at a time (a question on the request path), where torch's
per-call overhead dominates: on one quiet core a banking77 question took 15-20 ms through
sentence-transformers, ~6 ms through the float graph and ~3 ms through the int8 one
(benchmarks/knowledge_retrieval.py, docs/fixes.md). The graph is the model's transformer exported once
(clustering/onnx_export.py), and for int8 fused and quantised once more (clustering/onnx_quantize.py);
tokenising, mean pooling and normalising are done here as sentence-transformers does them.

The float variant keeps sentence-transformers' `model_name`: its vectors can be mixed with that
model's (cosine > 0.9999, tests/knowledge/test_onnx_embedder.py). The int8 variant's vectors are
close (mean cosine 0.992 on banking77) but not the same, so it has a name of its own and is only
used for questions compared with the float model's entry vectors, where it was measured.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from clustering.embed import (
    SentenceTransformerEmbedder,
    bundled_model_path,
    normalise_rows,
)
from clustering.onnx_export import Exporter, cached_onnx_file, export_in_subprocess
from clustering.onnx_quantize import Quantizer, cached_int8_file, quantize_in_subprocess

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer

__all__ = ["OnnxEmbedder", "OnnxVariant", "load_onnx_embedder"]

DIMENSIONS = 384
OnnxVariant = Literal["float", "int8"]


class OnnxEmbedder:
    """An `Embedder` over an exported ONNX file and the model folder's tokenizer.json.

    `stands_in_for` is the sentence-transformers model it copies; `model_name` is the same for
    the float graph (interchangeable vectors) and tagged with the variant otherwise.
    """

    def __init__(
        self,
        onnx_file: Path,
        tokenizer_file: Path,
        *,
        variant: OnnxVariant = "float",
        max_seq_length: int = 128,
        batch_size: int = 32,
        intra_op_threads: int = 1,
    ) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.max_seq_length = max_seq_length
        self.batch_size = batch_size
        self.variant = variant
        self.stands_in_for = SentenceTransformerEmbedder(max_seq_length=max_seq_length).model_name
        # Vectors are cached by (text, model name): only the float graph's may share the original's.
        self.model_name = self.stands_in_for if variant == "float" else f"{self.stands_in_for}+onnx-{variant}"
        options = onnxruntime.SessionOptions()
        # One thread: a single question is too small to split, and on a shared 2-core host extra
        # threads wait for a core (torch with 2 threads was ~10x slower per question under load).
        options.intra_op_num_threads = intra_op_threads
        options.inter_op_num_threads = 1
        if intra_op_threads != 1:
            # Batches are split across cores; between calls the helper threads sleep rather than
            # spin, so a gateway that embeds now and then does not burn a core waiting for work.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session: onnxruntime.InferenceSession = onnxruntime.InferenceSession(
            str(onnx_file), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {item.name for item in self._session.get_inputs()}
        self._tokenizer = self._load_tokenizer(Tokenizer, tokenizer_file)

    def _load_tokenizer(self, tokenizer_class: type[Tokenizer], tokenizer_file: Path) -> Tokenizer:
        tokenizer = tokenizer_class.from_file(str(tokenizer_file))
        # The file pads every text to 128 tokens; pad each batch to its longest text instead.
        tokenizer.no_padding()
        pad_id = tokenizer.token_to_id("[PAD]")
        tokenizer.enable_padding(pad_id=0 if pad_id is None else pad_id, pad_token="[PAD]")
        tokenizer.enable_truncation(max_length=self.max_seq_length)
        return tokenizer

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed `texts` as float32 unit rows of shape (len(texts), 384)."""
        if len(texts) == 0:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        # Sorted by length, as sentence-transformers does, so a batch pads little.
        order = sorted(range(len(texts)), key=lambda position: -len(texts[position]))
        vectors = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            vectors[batch] = self._embed_batch([texts[position] for position in batch])
        return normalise_rows(vectors)

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        # One text: plain encode, so the tokenizer does not wake its thread pool for a single question.
        encodings = [self._tokenizer.encode(texts[0])] if len(texts) == 1 else self._tokenizer.encode_batch(texts)
        mask = np.asarray([encoding.attention_mask for encoding in encodings], dtype=np.int64)
        feeds = {
            "input_ids": np.asarray([encoding.ids for encoding in encodings], dtype=np.int64),
            "attention_mask": mask,
            "token_type_ids": np.asarray([encoding.type_ids for encoding in encodings], dtype=np.int64),
        }
        (hidden,) = self._session.run(["last_hidden_state"], {k: v for k, v in feeds.items() if k in self._inputs})
        # Mean over the real tokens (sentence-transformers' pooling for this model).
        weights = mask[:, :, None].astype(np.float32)
        summed = np.einsum("bsd,bsx->bd", hidden, weights)
        counts = np.clip(weights.sum(axis=1), 1e-9, None)
        pooled: np.ndarray = summed / counts
        return pooled


def load_onnx_embedder(
    cache_dir: Path,
    model_dir: Path | None = None,
    export: Exporter = export_in_subprocess,
    *,
    variant: OnnxVariant = "float",
    quantize: Quantizer = quantize_in_subprocess,
    intra_op_threads: int = 1,
) -> OnnxEmbedder:
    """The bundled model (or the one in `model_dir`) through onnxruntime, exporting it into `cache_dir` first if needed.

    `variant` "int8" also makes (once) and loads the quantised graph. Blocking, and seconds to tens
    of seconds on a first export: call it from a worker thread. A cached file that onnxruntime
    cannot load is made again, once.
    """
    model_dir = model_dir or bundled_model_path()
    tokenizer_file = model_dir / "tokenizer.json"

    def graph(force: bool) -> Path:
        float_file = cached_onnx_file(model_dir, cache_dir, export, force=force)
        if variant == "float":
            return float_file
        return cached_int8_file(model_dir, float_file, cache_dir, quantize, force=force)

    onnx_file = graph(force=False)
    try:
        return OnnxEmbedder(onnx_file, tokenizer_file, variant=variant, intra_op_threads=intra_op_threads)
    except Exception:  # noqa: BLE001 - onnxruntime raises its own error types for a bad graph
        onnx_file = graph(force=True)
        return OnnxEmbedder(onnx_file, tokenizer_file, variant=variant, intra_op_threads=intra_op_threads)
