"""Compiles UMAP's numba kernels into numba's disk cache (NUMBA_CACHE_DIR), as a clustering pass uses them.

Run as a child process by tests/numba_cache.py, once per run and test process, one at a time; `cache_umap_kernels`
is also called in each test process, so that it loads from that cache the kernels umap-learn compiles anew in every
process.
"""

from __future__ import annotations


def cache_umap_kernels() -> int:
    """Have numba keep on disk the UMAP kernels umap-learn declares uncached; how many it had not kept.

    umap-learn compiles most of its kernels with cache=True, but not smooth_knn_dist, compute_membership_strengths
    or the layout's epoch: about 7 s in every process that fits UMAP, cached or not. Cached, the same machine code
    is loaded from disk instead (numba keys each entry by the source file and the CPU it was compiled for).
    """
    import umap.layouts
    import umap.umap_
    from numba.core.caching import NullCache
    from numba.core.registry import CPUDispatcher

    enabled = 0
    for module in (umap.umap_, umap.layouts):
        for kernel in vars(module).values():
            # The dispatcher's cache is private; NullCache is how numba marks one compiled without cache=True.
            if isinstance(kernel, CPUDispatcher) and isinstance(kernel._cache, NullCache):
                kernel.enable_caching()
                enabled += 1
    return enabled


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
