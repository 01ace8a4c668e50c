"""Which embedder turns an end user's question into a vector: the fast ONNX copy of the model when it is ready.

The product's embedder (sentence-transformers, or an embeddings endpoint) embeds entries and
everything else. When it is the bundled model, questions can go through the same model exported
to ONNX (clustering/embed_onnx.py): as float (the same vectors) or int8 (vectors within a mean
cosine of 0.992, recall on banking77 within 0.2 points, measured against the float model's entry
vectors as they are used here), several times faster than sentence-transformers. Entry vectors
always come from the product's embedder, so both sides of a similarity come from the same model
or from its copy measured against it; the copy is used only when the product's `model_name` is
the one it stands in for. Preparing that copy (exporting on first use, seconds to tens of
seconds) runs in a daemon thread, never on the event loop and never holding up shutdown; until
it is ready, or when it cannot be made or fails on a question, the product's embedder answers.
A request never waits for it and never fails because of it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from enum import Enum

import numpy as np

from clustering.embed import Embedder
from gateway.embedder import LazyEmbedder

logger = logging.getLogger(__name__)


class FastModelState(Enum):
    """Where the fast copy of the model stands."""

    IDLE = "idle"
    PREPARING = "preparing"
    READY = "ready"
    UNUSED = "unused"  # not the same model as the product's, or the copy failed: questions use the product's


class QuestionModel:
    """An async source of the embedder for questions, as `QueryEmbedder` takes it."""

    def __init__(self, product: LazyEmbedder, build_fast: Callable[[], Embedder] | None, stands_in_for: str) -> None:
        # `stands_in_for`: the product model_name whose entry vectors the fast copy's questions may meet.
        self._product = product
        self._build_fast = build_fast
        self._stands_in_for = stands_in_for
        self._fast: GuardedEmbedder | None = None
        self._state = FastModelState.IDLE if build_fast is not None else FastModelState.UNUSED
        self._lock = threading.Lock()
        self._settled = threading.Event()
        if build_fast is None:
            self._settled.set()
        self._told_waiting = False

    @property
    def state(self) -> FastModelState:
        """Where the fast copy stands now."""
        return self._state

    async def __call__(self) -> Embedder:
        """The fast copy when it is ready, else the product's embedder (starting the copy's preparation)."""
        fast = self._fast
        if fast is not None:
            return fast
        product = await self._product()
        if self._state is FastModelState.IDLE:
            self.prepare()
        if self._state is FastModelState.PREPARING and not self._told_waiting:
            self._told_waiting = True
            logger.info("questions are embedded by %s until its ONNX copy is ready", product.model_name)
        return product

    def prepare(self) -> None:
        """Start preparing the fast copy in a daemon thread, unless that has begun already (returns at once)."""
        with self._lock:
            if self._state is not FastModelState.IDLE:
                return
            self._state = FastModelState.PREPARING
        threading.Thread(target=self._prepare, name="feedgate-onnx-query-model", daemon=True).start()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until preparation has ended (for tools and tests); whether the fast copy is in use."""
        self._settled.wait(timeout)
        return self._state is FastModelState.READY

    def _prepare(self) -> None:
        try:
            product = self._product.build()
            if product.model_name != self._stands_in_for:
                logger.info(
                    "questions are embedded by %s: the ONNX copy only stands in for %s",
                    product.model_name,
                    self._stands_in_for,
                )
                self._state = FastModelState.UNUSED
                return
            assert self._build_fast is not None
            fast = self._build_fast()
            fast.embed(["warm up"])  # the first run allocates; a request should not pay for it
            self._fast = GuardedEmbedder(fast, product, self._give_up)
            self._state = FastModelState.READY
            logger.info("questions are embedded by the ONNX copy of %s (%s)", product.model_name, fast.model_name)
        except Exception as error:  # noqa: BLE001 - any failure here only costs speed
            logger.warning(
                "questions are embedded by sentence-transformers: the ONNX copy could not be prepared (%s: %s)",
                type(error).__name__,
                error,
            )
            self._state = FastModelState.UNUSED
        finally:
            self._settled.set()

    def _give_up(self, error: Exception) -> None:
        if self._fast is None:
            return
        self._fast = None
        self._state = FastModelState.UNUSED
        logger.warning(
            "the ONNX copy failed on a question (%s: %s); questions are embedded by sentence-transformers from now on",
            type(error).__name__,
            error,
        )


class GuardedEmbedder:
    """The fast embedder, with the product's answering a call the fast one fails (and every later one)."""

    def __init__(self, fast: Embedder, fallback: Embedder, on_failure: Callable[[Exception], None]) -> None:
        self.model_name = fast.model_name
        self._fast: Embedder | None = fast
        self._fallback = fallback
        self._on_failure = on_failure

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """`texts` as unit rows: by the fast embedder, or by the fallback if it fails."""
        fast = self._fast
        if fast is not None:
            try:
                return fast.embed(texts)
            except Exception as error:  # noqa: BLE001 - a request never fails for the fast path
                self._fast = None
                self._on_failure(error)
        return self._fallback.embed(texts)
