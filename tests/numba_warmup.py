"""Compiles UMAP's numba kernels into numba's disk cache (NUMBA_CACHE_DIR), as a clustering pass uses them.

Run as a child process by tests/numba_cache.py, once per run and test process, one at a time; the product's
`cache_umap_kernels` (clustering/umap_kernels.py, which every fit calls) is also called in each test process as it
waits, so that it loads from that cache the kernels umap-learn leaves uncached.
"""

from __future__ import annotations

from clustering.umap_kernels import cache_umap_kernels


def warm() -> None:
    """Fit UMAP once on a few unit vectors through the product's reduction, compiling (or loading) every kernel."""
    import numpy as np

    from clustering.reduce import ReductionParams, reduce_embeddings

    cache_umap_kernels()
    vectors = np.random.default_rng(0).normal(size=(60, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    reduce_embeddings(vectors, ReductionParams(min_points_for_umap=8))


if __name__ == "__main__":
    warm()
