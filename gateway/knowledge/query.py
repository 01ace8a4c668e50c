"""Embedding end users' questions for retrieval: in a worker thread, with an LRU cache of recent questions.

The cache lives in memory only (no database on the request path); a repeated identical question
costs a hash and a dict lookup. Identical questions arriving together share one embedding.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable

import numpy as np

from clustering.embed import Embedder

# The model reads 128 tokens at most; the rest of a very long message only costs hashing and tokenising.
MAX_QUESTION_CHARS = 4_000


def retrieval_question(message: str) -> str:
    """The part of an end user's message that retrieval reads, for the embedding and the word matching alike.

    Words past the embedded part are not matched either: matching a multi-megabyte message's every word
    ran on the event loop (about 0.2 s of CPU a megabyte).
    """
    return message.strip()[:MAX_QUESTION_CHARS]


class QueryEmbedder:
    """Turns a question into a unit vector, remembering the last `size` questions.

    `embedder` says which embedder to use for each new question (the gateway passes a
    `QuestionModel`: the ONNX copy of the bundled model once it is ready, else the product's).
    """

    def __init__(self, embedder: Callable[[], Awaitable[Embedder]], size: int) -> None:
        self._embedder = embedder
        self._size = size
        self._cache: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._pending: dict[bytes, asyncio.Future[np.ndarray]] = {}

    def __len__(self) -> int:
        return len(self._cache)

    async def embed(self, question: str) -> np.ndarray:
        """The question's vector: from the cache, or computed in a worker thread (never on the event loop)."""
        question = question[:MAX_QUESTION_CHARS]
        key = hashlib.blake2b(question.encode("utf-8"), digest_size=16).digest()
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        pending = self._pending.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[np.ndarray] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            embedder = await self._embedder()
            vector: np.ndarray = (await asyncio.to_thread(embedder.embed, [question]))[0]
            future.set_result(vector)
        except Exception as error:
            future.set_exception(error)
            future.exception()  # retrieved here, so a failure nobody else awaited is not logged as lost
            raise
        finally:
            self._pending.pop(key, None)
            if not future.done():  # cancelled: those waiting on it go on without knowledge, like any failure
                future.set_exception(RuntimeError("the question's embedding was cancelled"))
                future.exception()
        self._remember(key, vector)
        return vector

    def _remember(self, key: bytes, vector: np.ndarray) -> None:
        if self._size <= 0:
            return
        self._cache[key] = vector
        if len(self._cache) > self._size:
            self._cache.popitem(last=False)
