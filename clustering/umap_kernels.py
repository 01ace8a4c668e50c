"""umap-learn's numba kernels kept in numba's disk cache, all of them: a fresh process loads them, not compiles them.

umap-learn compiles most of its kernels with `cache=True`, but not smooth_knn_dist, compute_membership_strengths,
the layout's epoch and the few they call: about 7 s in every process that fits UMAP (`feedgate worker`,
`feedgate cluster`, each pass's first fit), cached or not. Marked cached before their first use, they are compiled
once into the cache and loaded from it afterwards (numba keys each entry by its source file and the CPU it was
compiled for). They go where umap-learn's own cached kernels go (`NUMBA_CACHE_DIR` when set), so a process that can
import umap-learn can cache these too.
"""

from __future__ import annotations

import functools


@functools.cache
def cache_umap_kernels() -> int:
    """Have numba keep on disk the UMAP kernels umap-learn declares uncached, once per process; how many it had not."""
    import umap.layouts
    import umap.umap_
    from numba.core.caching import NullCache
    from numba.core.registry import CPUDispatcher

    enabled = 0
    for module in (umap.umap_, umap.layouts):
        for kernel in vars(module).values():
            # The dispatcher's cache is private; NullCache is how numba marks one compiled without cache=True.
            if isinstance(kernel, CPUDispatcher) and isinstance(kernel._cache, NullCache):  # type: ignore[attr-defined]  # noqa: SLF001
                kernel.enable_caching()
                enabled += 1
    return enabled
