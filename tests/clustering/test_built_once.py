"""BuiltOnce: a value built on first use, once, even when threads ask together."""

from __future__ import annotations

import threading
import time

from clustering.built_once import BuiltOnce


def test_concurrent_first_gets_build_the_value_once():
    builds: list[int] = []

    def slow_build() -> object:
        builds.append(1)
        time.sleep(0.05)
        return object()

    once = BuiltOnce(slow_build)
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(once.get())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(builds) == 1
    assert len({id(value) for value in seen}) == 1


def test_built_is_none_until_the_first_get_and_never_builds():
    once = BuiltOnce(lambda: "value")

    assert once.built is None
    assert once.get() == "value"
    assert once.built == "value"


def test_one_holding_a_value_never_builds():
    once = BuiltOnce.holding("given")

    assert once.built == "given"
    assert once.get() == "given"
