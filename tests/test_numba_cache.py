"""The run's warm-up of UMAP's numba kernels (tests/numba_cache.py): one process at a time, once, a failure only told."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest
from numba_cache import SessionNumbaCache

# A stand-in for the compile: says when it starts and ends, in the file named by its argument.
WARM_UP = """
import sys, time
with open(sys.argv[1], "a") as log: log.write("start\\n")
time.sleep(0.5)
with open(sys.argv[1], "a") as log: log.write("end\\n")
"""


def cache_in(folder: Path, command: list[str]) -> SessionNumbaCache:
    cache = SessionNumbaCache(command, load=lambda: None)
    cache.folder = folder
    return cache


def test_two_processes_warm_one_at_a_time_and_the_second_finds_it_done(tmp_path: Path, request):
    log = tmp_path / "warm-ups.log"
    first, second = (cache_in(tmp_path, [sys.executable, "-c", WARM_UP, str(log)]) for _ in range(2))

    first.start()
    second.start()
    first.wait(request.node)
    second.wait(request.node)

    assert log.read_text().split() == ["start", "end"]
    assert first.error is None and second.error is None


def test_a_failed_warm_up_is_told_once_as_a_warning_and_the_tests_go_on(tmp_path: Path, request):
    cache = cache_in(tmp_path, [sys.executable, "-c", "raise SystemExit('no compiler here')"])

    cache.start()
    with pytest.warns(pytest.PytestWarning, match="no compiler here"):
        cache.wait(request.node)
    with warnings.catch_warnings(record=True) as later:
        warnings.simplefilter("always")
        cache.wait(request.node)

    assert later == []  # told once

    assert not list(tmp_path.glob("feedgate-warmed-*"))  # nothing stamped: the next run tries again


@pytest.mark.umap
def test_a_process_that_fits_umap_loads_the_kernels_umap_leaves_uncached_from_the_cache():
    # smooth_knn_dist and the others took about 7 s to compile in every process, cache or not.
    import umap.layouts
    import umap.umap_
    from numba.core.caching import NullCache

    kernels = [umap.umap_.smooth_knn_dist, umap.umap_.compute_membership_strengths]
    kernels.append(umap.layouts._nb_optimize_layout_euclidean_single_epoch)
    assert not [kernel for kernel in kernels if isinstance(kernel._cache, NullCache)]
