"""One uvicorn server run in the main thread until SIGTERM or Ctrl-C stops it; a clean stop ends with a return.

uvicorn raises the signal it shut down on again once it has shut down, for the signal's default action: a
`feedgate serve` stopped cleanly by SIGTERM then exited 143, which systemd, Docker and Kubernetes read as a
failure, while `serve --workers N` (uvicorn's supervisor) and `feedgate worker` exit 0. Here the signal raised
again finds a handler that lets it go, so the process goes on to exit 0; a stop before the server starts
(`feedgate serve` checking its database) keeps its own non-zero status (gateway.cli_signals).
"""

from __future__ import annotations

import signal
from types import FrameType

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.server import HANDLED_SIGNALS


def serve_until_stopped(config: uvicorn.Config) -> None:
    """Serve `config`'s app (not a multi-process one) until a signal stops it; return once it has shut down."""
    server = uvicorn.Server(config)

    def stop(number: int, frame: FrameType | None) -> None:
        # Raised again by uvicorn after its shutdown: done with. Come before uvicorn took the signals over (it does
        # so first thing in its event loop): a stop as uvicorn's own, so the server starts and shuts down at once.
        if not server.should_exit:
            server.handle_exit(number, frame)

    previous = {number: signal.signal(number, stop) for number in HANDLED_SIGNALS}
    try:
        server.run()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if not server.started:
        # As uvicorn.run says it: the server never served (its start failed, and said so).
        raise SystemExit(STARTUP_FAILURE)
