"""A fresh process that fits UMAP keeps every kernel of umap-learn's in numba's disk cache, so the next process loads
them rather than compiling them again (clustering/umap_kernels.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Fits UMAP in a fresh process, from the numba cache warmed once per run (tests/numba_cache.py).
pytestmark = [pytest.mark.umap, pytest.mark.timeout(300)]

# The test process itself has the tests' warm-up cache those kernels (tests/numba_warmup.py): a child has not.
CHILD = """
import numpy as np
import umap.layouts
import umap.umap_
from numba.core.caching import NullCache
from numba.core.registry import CPUDispatcher
from clustering.reduce import ReductionParams, reduce_embeddings

vectors = np.random.default_rng(0).normal(size=(40, 8)).astype(np.float32)
reduce_embeddings(vectors / np.linalg.norm(vectors, axis=1, keepdims=True), ReductionParams(min_points_for_umap=8))
kernels = [k for module in (umap.umap_, umap.layouts) for k in vars(module).values() if isinstance(k, CPUDispatcher)]
compiled = [kernel for kernel in kernels if kernel.signatures]
print(len(compiled), *sorted(k.__name__ for k in compiled if isinstance(k._cache, NullCache)))
"""


def test_a_process_that_fits_umap_compiles_none_of_its_kernels_without_the_disk_cache() -> None:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    child = subprocess.run(
        [sys.executable, "-P", "-c", CHILD], env=env, capture_output=True, text=True, check=True, timeout=280
    )

    count, *uncached = child.stdout.split()
    assert int(count) > 0
    assert uncached == []
