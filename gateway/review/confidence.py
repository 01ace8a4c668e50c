"""How sure the model was of an answer, from its token log-probabilities (pure functions).

Works on a recorded answer: a chat completion (as returned, or as a stream reassembled by
gateway.recording.reassembly, once that keeps ``logprobs``) or a Responses API object. Only choice 0
counts (`SCORED_CHOICE`, named as every choice number is: gateway.domain.choice_numbers, its `index` wherever the
upstream lists it), the one recorded as the answer's text when the choices are listed in order (as upstreams list
them): the upstream gives every choice its log-probabilities and the record keeps them all, but the gate judges an
answer of `n` > 1 choices by its first, and calibration must measure what the gate decides on.

Published work (e.g. SelfCheckGPT's grey-box baselines, Manakul et al. 2023; length-normalised
sequence probability, Malinin & Gales 2021; the LM-Polygraph benchmark, Fadeeva et al. 2023)
finds these single-pass measures useful but imperfect signals of a wrong answer: a model can be
confidently wrong, and a correct answer can contain unusual words. Hence several measures, kept
side by side, and calibration on the app's own feedback (gateway.review.calibration).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

from gateway.domain.choice_numbers import numbered_choice

Json = dict[str, Any]

# The choice of a chat completion of `n` > 1 choices whose tokens are measured: the first, the recorded
# answer's text. The gate decides on it alone, and calibration labels an answer by judgements of it alone.
SCORED_CHOICE = 0


def scored_choice(choices: Sequence[Any]) -> Json | None:
    """The choice of a chat completion's `choices` that is measured: choice SCORED_CHOICE by the rule every reader of a
    choice number follows (gateway.domain.choice_numbers); None when there is none, or it is no object.

    One rule for the gate, calibration, feedback and the export: gateway.store.choice_sql.choice_has_token_logprobs
    picks the same choice in SQL, and tests/review/test_calibration_choice_order.py holds the two to it.
    """
    choice = numbered_choice(choices if isinstance(choices, list) else list(choices), SCORED_CHOICE)
    return choice if isinstance(choice, dict) else None


@dataclass(frozen=True, slots=True)
class ConfidenceFeatures:
    """Single-pass uncertainty measures of one answer; higher log-probabilities mean a surer model.

    ``confidence`` is the geometric-mean token probability, exp(mean_logprob), in (0, 1]. Chosen
    because it is normalised for length (the sum, ``nll``, grows with every token, so long good
    answers would look worst), reads as "the typical probability the model gave its own next token"
    (0.7 = 70 %) so a threshold means something to a person, and is the inverse of perplexity, the
    measure the literature calls length-normalised sequence probability. Being monotone in
    ``mean_logprob``, it ranks answers identically, so its AUC is theirs. ``min_logprob`` catches a
    single invented fact in an otherwise fluent answer but is noisier and falls with length (more
    tokens, more chances of one unlikely one); ``first_token_margin`` sees only the opening.
    """

    tokens: int
    mean_logprob: float
    min_logprob: float
    nll: float  # the answer's negative log-likelihood: -sum of token logprobs (nats)
    nll_per_token: float  # nll / tokens, i.e. -mean_logprob
    first_token_margin: float | None  # top-1 minus top-2 logprob at the first token; None without 2 alternatives
    confidence: float  # exp(mean_logprob)


def answer_token_logprobs(answer: Json) -> list[Json] | None:
    """The token entries (``{"token", "logprob", "top_logprobs", ...}``) of an answer's measured choice
    (`SCORED_CHOICE`) or output text.

    None when the answer carries no log-probabilities (not asked for, a tool call, an error).
    """
    if isinstance(answer.get("choices"), list):
        entries = _chat_entries(answer["choices"])
    elif isinstance(answer.get("output"), list):
        entries = _responses_entries(answer["output"])
    else:
        return None
    return entries or None


def confidence_features(answer: Json) -> ConfidenceFeatures | None:
    """The confidence measures of a chat completion or Responses API object; None without log-probabilities."""
    entries = answer_token_logprobs(answer)
    return features_from_entries(entries) if entries else None


def features_from_entries(entries: Sequence[object]) -> ConfidenceFeatures | None:
    """The confidence measures of a list of OpenAI token entries; None when none has a usable logprob."""
    values: list[float] = []
    first: Json | None = None
    for entry in entries:  # a plain loop: this runs once per answer token on the gate's path
        if not isinstance(entry, dict):
            continue
        value = entry.get("logprob")
        if _is_number(value) and math.isfinite(value):
            values.append(value if value < 0.0 else 0.0)  # rounding can leave a sure token a hair above 0
            first = first or entry
    if first is None:
        return None
    total = math.fsum(values)
    mean = total / len(values)
    return ConfidenceFeatures(
        tokens=len(values),
        mean_logprob=mean,
        min_logprob=min(values),
        nll=-total,
        nll_per_token=-mean,
        first_token_margin=_margin(first.get("top_logprobs")),
        confidence=math.exp(mean),
    )


def _chat_entries(choices: list[Any]) -> list[Json]:
    choice = scored_choice(choices)
    logprobs = choice.get("logprobs") if choice else None
    if not isinstance(logprobs, dict):
        return []
    # A refusal's tokens are listed apart from content's; either is the answer the user saw.
    for key in ("content", "refusal"):
        entries = logprobs.get(key)
        if isinstance(entries, list) and entries:
            return entries
    return []


def _responses_entries(output: list[Any]) -> list[Json]:
    entries: list[Json] = []
    for item in output:
        if not isinstance(item, dict) or item.get("type") != "message":
            continue
        for part in item.get("content") or ():
            if isinstance(part, dict) and part.get("type") == "output_text" and isinstance(part.get("logprobs"), list):
                entries.extend(part["logprobs"])
    return entries


def _margin(top: Any) -> float | None:
    if not isinstance(top, list):
        return None
    found = (alternative.get("logprob") for alternative in top if isinstance(alternative, dict))
    values = sorted((float(v) for v in found if _is_number(v) and math.isfinite(v)), reverse=True)
    return values[0] - values[1] if len(values) >= 2 else None


def _is_number(value: object) -> TypeGuard[float | int]:
    # type(), not isinstance(): a bool is no logprob; anything else (None, a string) is a broken entry.
    return type(value) is float or type(value) is int
