"""The product's embedder, one per gateway process, built on first use off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

from clustering.built_once import BuiltOnce
from clustering.embed import Embedder
from gateway.config import Settings


class LazyEmbedder:
    """An embedder built once, on first use, in a worker thread.

    Building the product's embedder may import an SDK or load a model (seconds), so a gateway
    that never embeds never pays for it. Every feature that embeds (knowledge retrieval, review
    rules, effects, previews) shares one instance, so the model is in memory once.
    """

    def __init__(self, make: Callable[[], Embedder]) -> None:
        self._embedder = BuiltOnce(make)

    @classmethod
    def holding(cls, embedder: Embedder) -> LazyEmbedder:
        """One that already holds `embedder` (for tools and tests that built their own)."""
        lazy = cls(lambda: embedder)
        lazy._embedder = BuiltOnce.holding(embedder)
        return lazy

    def build(self) -> Embedder:
        """The embedder, built now if it is not yet (blocking: call it from a worker thread)."""
        return self._embedder.get()

    async def __call__(self) -> Embedder:
        """The embedder, built once (in a worker thread the first time)."""
        embedder = self._embedder.built
        if embedder is not None:
            return embedder
        return await asyncio.to_thread(self.build)


def product_embedder(settings: Settings, environ: Mapping[str, str]) -> LazyEmbedder:
    """The configured embedder (the bundled model, or an OpenAI-compatible endpoint), built on first use."""

    def make() -> Embedder:
        # Imported late: it pulls in the openai SDK, seconds of start-up for a gateway that may never embed.
        from gateway.discovery.schedule import embedder_for

        return embedder_for(settings, environ)

    return LazyEmbedder(make)
