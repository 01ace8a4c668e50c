"""Choosing the upstream for a request's model."""

from __future__ import annotations

from gateway.config_entries import Upstream


class UpstreamRouter:
    """Routes a model name to an upstream: exact names first, then the longest prefix, then the default."""

    def __init__(self, upstreams: list[Upstream]) -> None:
        if not upstreams:
            raise ValueError("at least one upstream is needed")
        # Every upstream, as configured: the default last.
        self.upstreams = list(upstreams)
        self.default = upstreams[-1]
        self._exact = {model: up for up in reversed(upstreams) for model in up.models}
        self._prefixes = sorted(
            ((prefix, up) for up in upstreams for prefix in up.model_prefixes),
            key=lambda pair: len(pair[0]),
            reverse=True,
        )
        self._cache: dict[str, Upstream] = {}
        self._by_name = {up.name: up for up in upstreams}

    def named(self, name: str) -> Upstream | None:
        """The upstream configured under `name`, if one is."""
        return self._by_name.get(name)

    def route(self, model: str | None) -> Upstream:
        """The upstream that serves `model` (the default when no rule claims it)."""
        if not model:
            return self.default
        upstream = self._cache.get(model)
        if upstream is None:
            upstream = self._exact.get(model) or next(
                (up for prefix, up in self._prefixes if model.startswith(prefix)), self.default
            )
            if len(self._cache) < 10_000:  # bounded: model names come from clients
                self._cache[model] = upstream
        return upstream
