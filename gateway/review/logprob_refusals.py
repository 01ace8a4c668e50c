"""Models that refuse log-probabilities: the confidence gate stops asking them (in memory, per process).

OpenAI's reasoning models (o1, o3, o4-mini), and some other servers, answer a request asking for
log-probabilities with an error. The gate asks for them on the app's behalf, so a gated app's every
call to such a model failed, on a parameter the app never sent. On the first refusal the gate has
the call sent again as the app sent it (the app never sees the error); from then on that model's
calls go out as the app sent them, judged by the `x-feedgate-review` flag alone (no
log-probabilities, no confidence).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import orjson

# Enough for every model name an app uses; the oldest is forgotten (and asked again) past it.
MAX_MODELS = 1_000
REFUSAL_STATUSES = frozenset({400, 403, 422})


def refusal_of_logprobs(status: int, body: bytes | None) -> dict[str, Any] | None:
    """The upstream's error object when an answer refuses the log-probabilities a request asked for; else None."""
    if status not in REFUSAL_STATUSES or body is None:
        return None
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if not isinstance(error, dict):
        return None
    said = f"{error.get('param')} {error.get('message')}".lower()
    return error if "logprob" in said else None


class LogprobRefusals:
    """The models whose upstream refused log-probabilities the gate asked for."""

    def __init__(self, max_models: int = MAX_MODELS) -> None:
        self._models: OrderedDict[str, None] = OrderedDict()
        self._max_models = max_models

    def refuses(self, model: object) -> bool:
        """Whether `model` refused log-probabilities before."""
        return isinstance(model, str) and model in self._models

    def record(self, model: str) -> None:
        """Remember that `model` refuses log-probabilities."""
        self._models[model] = None
        if len(self._models) > self._max_models:
            self._models.popitem(last=False)
