"""An int8 copy of the exported ONNX graph: BERT ops fused, weights quantised per channel, kept on disk.

Made once from the float export (clustering/onnx_export.py), in a child process, and cached
beside it under a key that also covers the installed onnxruntime (whose optimizer and quantizer
write the file, and whose contrib ops run it) and this module's recipe.

The recipe, measured on one quiet core with one banking77 question per call (13 tokens at the
median), questions against the float model's entry vectors as the gateway pairs them
(benchmarks/knowledge_retrieval.py; docs/fixes.md has the tables):
- three quarters of a float question's time is matrix products over 90 MB of weights; fusing
  attention, layer norms and GELU (onnxruntime.transformers' BERT optimizer) alone saved nothing
  measurable there (5.6 ms either way);
- dynamic int8 quantisation: 2.6 ms a question unfused, 2.1 ms fused (QAttention);
- weights per tensor moved vectors to a mean cosine of 0.968 and recall@1 down 0.76 points (uint8
  weights: 0.984, -0.49); per channel, 0.994 and -0.42; per channel with 7-bit weights
  (`reduce_range`, which onnxruntime's documentation advises for per-channel quantisation on
  CPUs without VNNI), 0.992 and -0.15 (recall@3 -0.08). The last two differ by a few of 2,640
  queries, but only the last keeps a clear margin under the half-point limit.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from clustering.onnx_export import (
    cache_key,
    cached_file,
    exit_with_parent,
    installed_version,
    run_child,
)

__all__ = ["QUANTIZER_VERSION", "Quantizer", "cached_int8_file", "quantize_in_subprocess", "quantize_onnx"]

# Raise when quantize_onnx changes what it writes: older files then no longer match any key.
QUANTIZER_VERSION = 1
# Writes the int8 graph of (model folder, its float ONNX file) to the third path.
Quantizer = Callable[[Path, Path, Path], None]


def quantize_onnx(model_dir: Path, float_file: Path, destination: Path) -> None:
    """Fuse the BERT graph in `float_file` and write it to `destination` with int8 weights (dynamic quantisation).

    Seconds of CPU and a few hundred MB: never on a request, and best in a child process.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer

    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    # Ends in .tmp like the destination, so a child that dies leaves nothing the next export keeps.
    fused = destination.with_name(destination.name + ".fused.tmp")
    try:
        # opt_level 0: only the portable BERT fusions are written; onnxruntime applies its
        # machine-specific ones when a session loads the file.
        model = optimizer.optimize_model(
            str(float_file),
            model_type="bert",
            num_heads=int(config["num_attention_heads"]),
            hidden_size=int(config["hidden_size"]),
            opt_level=0,
            use_gpu=False,
        )
        model.save_model_to_file(str(fused))
        quantize_dynamic(
            str(fused),
            str(destination),
            weight_type=QuantType.QInt8,
            per_channel=True,
            reduce_range=True,
            # Shape inference cannot type the fused ops' outputs; they are all float.
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    finally:
        fused.unlink(missing_ok=True)


def quantize_in_subprocess(model_dir: Path, float_file: Path, destination: Path) -> None:
    """`quantize_onnx` in a child process at low priority, so its memory goes back when it ends."""
    run_child("clustering.onnx_quantize", [model_dir, float_file, destination], "quantising the ONNX graph")


def _int8_key(model_dir: Path) -> str:
    digest = hashlib.sha256()
    recipe = (
        f"float={cache_key(model_dir)};quantizer={QUANTIZER_VERSION};onnxruntime={installed_version('onnxruntime')}"
    )
    digest.update(recipe.encode())
    return digest.hexdigest()[:24]


def cached_int8_file(
    model_dir: Path,
    float_file: Path,
    cache_dir: Path,
    quantize: Quantizer = quantize_in_subprocess,
    *,
    force: bool = False,
) -> Path:
    """The int8 graph made from `float_file` (the export of `model_dir`), quantised into `cache_dir` unless cached.

    `force` quantises again even over an intact file (for a file that passed its digest but would not load).
    """
    name = f"{model_dir.name}-int8-{_int8_key(model_dir)}.onnx"

    def make(temporary: Path) -> None:
        quantize(model_dir, float_file, temporary)

    return cached_file(cache_dir / "onnx", name, make, force=force)


def main(arguments: list[str]) -> int:
    """`python -m clustering.onnx_quantize MODEL_DIR FLOAT_FILE DESTINATION`: quantise at low priority."""
    parent = os.getppid()  # before the slow imports, during which the parent may already end
    model_dir, float_file, destination = (Path(argument) for argument in arguments)
    os.nice(10)  # a background chore: the gateway's requests come first
    exit_with_parent(parent, destination)
    quantize_onnx(model_dir, float_file, destination)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
