"""Deterministic token log-probabilities for the fake upstream (see gateway.demo.payloads).

Tests steer the model's confidence with a marker in the last user message, ``[confidence=0.3]``:
the answer's tokens then get probabilities whose geometric mean is exactly that value (and whose
plain mean is within 0.2 % of it). Without a marker the model is sure of itself, at 0.95.

Token probabilities alternate slightly above and below the target (by a factor e^±0.05), so the
minimum differs from the mean as in a real answer, yet every value is known in advance. The
alternatives offered in ``top_logprobs`` share the remaining mass 1 - p geometrically (70 %, 21 %,
6.3 % ...), so the first position's margin also falls as the confidence falls.
"""

from __future__ import annotations

import math
import re
from typing import Any

DEFAULT_CONFIDENCE = 0.95
MAX_TOP_LOGPROBS = 20  # OpenAI's limit
MAX_COMPLETION_LOGPROBS = 5  # the legacy completions API's limit on its integer `logprobs`
_LOWEST, _HIGHEST = 0.001, 0.9999  # keeps every log-probability finite
_WOBBLE = 0.05  # log-space spread of the per-token probabilities around the target
_MARKER = re.compile(r"\[confidence\s*=\s*([0-9]*\.?[0-9]+)\s*\]")


def target_confidence(text: str) -> float:
    """The confidence a ``[confidence=x]`` marker in ``text`` asks for, or the default, kept within (0, 1)."""
    match = _MARKER.search(text)
    value = float(match.group(1)) if match else DEFAULT_CONFIDENCE
    return min(max(value, _LOWEST), _HIGHEST)


def requested_top_logprobs(request: dict[str, Any]) -> int | None:
    """How many alternatives a chat request wants per token, or None when it did not ask for logprobs."""
    if request.get("logprobs") is not True:
        return None
    return _clamped_top(request.get("top_logprobs"))


def responses_top_logprobs(request: dict[str, Any]) -> int | None:
    """Like `requested_top_logprobs`, for a Responses API request (``include`` names the logprobs)."""
    include = request.get("include")
    if not isinstance(include, list) or "message.output_text.logprobs" not in include:
        return None
    return _clamped_top(request.get("top_logprobs"))


def completions_top_logprobs(request: dict[str, Any]) -> int | None:
    """How many alternatives a legacy completions request wants per token (its integer ``logprobs``), or None."""
    value = request.get("logprobs")
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    return min(max(value, 0), MAX_COMPLETION_LOGPROBS)


def _clamped_top(value: Any) -> int:
    # The real API refuses values outside 0-20; the fake clamps them, so tests stay about one thing.
    return min(max(value, 0), MAX_TOP_LOGPROBS) if isinstance(value, int) and not isinstance(value, bool) else 0


def token_logprobs(tokens: list[str], confidence: float, top: int) -> list[dict[str, Any]]:
    """OpenAI ``logprobs.content`` entries for ``tokens``, whose geometric-mean probability is ``confidence``."""
    base = math.log(confidence)
    spread = min(_WOBBLE, -base / 2)  # keeps every probability below 1
    entries = []
    for index, token in enumerate(tokens):
        # +spread, -spread, +spread ...; an odd last token sits on the target, so the mean is exact.
        last_of_odd = index == len(tokens) - 1 and len(tokens) % 2 == 1
        logprob = base if last_of_odd else base + (spread if index % 2 == 0 else -spread)
        entries.append(
            {
                "token": token,
                "logprob": logprob,
                "bytes": list(token.encode()),
                "top_logprobs": _top(token, logprob, top),
            }
        )
    return entries


def completion_logprobs(tokens: list[str], confidence: float, top: int, offset: int) -> dict[str, list[Any]]:
    """A legacy completion's ``logprobs`` for ``tokens``, the first at character ``offset`` (the prompt's length)."""
    entries = token_logprobs(tokens, confidence, top)
    offsets = []
    for token in tokens:
        offsets.append(offset)
        offset += len(token)
    return {
        "tokens": tokens,
        "token_logprobs": [entry["logprob"] for entry in entries],
        "top_logprobs": [{alt["token"]: alt["logprob"] for alt in entry["top_logprobs"]} for entry in entries],
        "text_offset": offsets,
    }


def _top(token: str, logprob: float, top: int) -> list[dict[str, Any]]:
    if top == 0:
        return []
    rest = 1.0 - math.exp(logprob)
    lead = token[: len(token) - len(token.lstrip())]
    candidates = [(token, logprob)]
    candidates += [(f"{lead}alt{j}", math.log(rest * 0.7 * 0.3**j)) for j in range(top)]
    # The k most likely tokens, which need not include the one sampled (as in the real API).
    candidates.sort(key=lambda pair: pair[1], reverse=True)
    return [{"token": t, "logprob": lp, "bytes": list(t.encode())} for t, lp in candidates[:top]]
