"""Free local ports for tests that listen on real sockets."""

from __future__ import annotations

import socket


def free_port(within: range | None = None) -> int:
    """A local port nothing listens on now: the first free one of `within`, or any the system gives (None)."""
    if within is None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return int(probe.getsockname()[1])
    for port in within:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {within.start}-{within.stop - 1}")
