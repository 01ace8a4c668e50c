"""Redaction of an answer's token log-probabilities, where the text is spelt one token at a time.

An answer's `logprobs` repeat its text as tokens, each with its UTF-8 `bytes` and alternatives: an
e-mail address comes as " alice", "@", "example", ".com" and a card number as " 4111", " 1111"…,
none of which a rule matches alone, and a token's `bytes` are numbers, which redaction leaves as
they are. So the tokens of a run are joined, the rules find their matches in the joined text, and
each token a match overlaps is rewritten: the token where the match starts carries the replacement,
the others lose the matched part; its `bytes` become those of the new text, and so do its
alternatives (a `top_logprobs` entry at that position may be the very token). Log-probabilities,
the numbers the confidence gate reads, stay. Tokens no match touches keep their bytes; their
alternatives are redacted string by string.

Shapes: chat completions (`logprobs.content` / `.refusal`, lists of `{"token", "bytes", "top_logprobs"}`),
the Responses API (an output text's `logprobs`, the same entries as a list) and legacy completions
(`logprobs.tokens` with `top_logprobs` as `{token: logprob}`). Matches here are copies of the answer's
text, which is counted: they are not counted again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

# (start, end, replacement) in the joined text of a run of tokens; sorted, never overlapping.
Span = tuple[int, int, str]
SpansOf = Callable[[str], list[Span]]
TextRedactor = Callable[[str], str]


def rewritten_tokens(tokens: Sequence[str], spans: Sequence[Span]) -> list[str | None]:
    """Each token's new text where a span overlaps it (None: the token stays as it is)."""
    rewritten: list[str | None] = []
    start = 0
    for token in tokens:
        end = start + len(token)
        overlapping = [span for span in spans if span[0] < end and span[1] > start] if token else []
        if not overlapping:
            rewritten.append(None)
        else:
            pieces: list[str] = []
            position = start
            for span_start, span_end, replacement in overlapping:
                if span_start >= start:
                    pieces.append(token[position - start : span_start - start])
                    pieces.append(replacement)
                position = min(max(position, span_end), end)
            pieces.append(token[position - start :])
            rewritten.append("".join(pieces))
        start = end
    return rewritten


def _entry_runs(value: Any) -> list[list[Any]] | None:
    """The runs of `{"token": …}` entries in a chat or Responses API `logprobs` value; None for another shape."""
    if isinstance(value, list):
        return [value]
    if isinstance(value, dict) and ("content" in value or "refusal" in value) and "tokens" not in value:
        return [run for key in ("content", "refusal") if isinstance(run := value.get(key), list)]
    return None


def _token_of(entry: Any) -> str:
    token = entry.get("token") if isinstance(entry, dict) else None
    return token if isinstance(token, str) else ""


def _with_token(entry: dict[str, Any], token: str) -> dict[str, Any]:
    """The entry naming `token`, its `bytes` (when it has them) those of the new text."""
    changed = {**entry, "token": token}
    if isinstance(entry.get("bytes"), list):
        changed["bytes"] = list(token.encode("utf-8"))
    return changed


def _redacted_entry(entry: Any, text: TextRedactor) -> Any:
    """An entry no span touched: its token kept (the joined text had no match there), its alternatives redacted."""
    if not isinstance(entry, dict):
        return entry
    alternatives = entry.get("top_logprobs")
    if not isinstance(alternatives, list):
        return entry
    kept = []
    for alternative in alternatives:
        token = _token_of(alternative)
        redacted = text(token)
        kept.append(_with_token(alternative, redacted) if redacted != token else alternative)
    return {**entry, "top_logprobs": kept}


def _redacted_run(run: list[Any], spans_of: SpansOf, text: TextRedactor) -> list[Any]:
    tokens = [_token_of(entry) for entry in run]
    new_tokens = rewritten_tokens(tokens, spans_of("".join(tokens)))
    redacted: list[Any] = []
    for entry, new in zip(run, new_tokens, strict=True):
        if new is None or not isinstance(entry, dict):
            redacted.append(_redacted_entry(entry, text))
            continue
        changed = _with_token(entry, new)
        if isinstance(entry.get("top_logprobs"), list):
            changed["top_logprobs"] = [
                _with_token(alternative, new) if isinstance(alternative, dict) else alternative
                for alternative in entry["top_logprobs"]
            ]
        redacted.append(changed)
    return redacted


def _redacted_legacy(value: dict[str, Any], spans_of: SpansOf, text: TextRedactor) -> dict[str, Any]:
    """Legacy completions' `logprobs`: `tokens`, and `top_logprobs` keyed by token text."""
    tokens = [token if isinstance(token, str) else "" for token in value["tokens"]]
    new_tokens = rewritten_tokens(tokens, spans_of("".join(tokens)))
    redacted = {
        **value,
        "tokens": [old if new is None else new for old, new in zip(value["tokens"], new_tokens, strict=True)],
    }
    alternatives = value.get("top_logprobs")
    if isinstance(alternatives, list):
        kept: list[Any] = []
        for index, choices in enumerate(alternatives):
            if not isinstance(choices, dict):
                kept.append(choices)
                continue
            new = new_tokens[index] if index < len(new_tokens) else None
            merged: dict[str, Any] = {}
            for token, logprob in choices.items():
                merged.setdefault(new if new is not None else text(token), logprob)
            kept.append(merged)
        redacted["top_logprobs"] = kept
    return redacted


def redacted_logprobs(value: Any, spans_of: SpansOf, text: Callable[[str, Counter[str]], str]) -> Any | None:
    """`value`, an answer's `logprobs`, with every match of the joined tokens rewritten; None for another shape.

    `spans_of` finds the matches in a text, `text` redacts one string (into a counter of its own: these
    matches are copies of the answer's text, counted there).
    """
    uncounted: Counter[str] = Counter()

    def one(token: str) -> str:
        return text(token, uncounted)

    if isinstance(value, dict) and isinstance(value.get("tokens"), list):
        return _redacted_legacy(value, spans_of, one)
    runs = _entry_runs(value)
    if runs is None or not all(isinstance(entry, dict) and "token" in entry for run in runs for entry in run):
        return None
    if isinstance(value, list):
        return _redacted_run(value, spans_of, one)
    return {
        **value,
        **{
            key: _redacted_run(run, spans_of, one)
            for key in ("content", "refusal")
            if isinstance(run := value.get(key), list)
        },
    }
