"""The entries of the settings' lists: an upstream, a review gate, a redaction rule."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import BaseModel, Field, PrivateAttr, field_validator, model_validator

from gateway.config_checks import ANY_CASE, checked_variable_name

# The name `Settings.all_upstreams` gives the default upstream (FEEDGATE_UPSTREAM_URL).
DEFAULT_UPSTREAM = "default"


def checked_upstream_url(url: str) -> str:
    """`url` if calls can be sent under it; a ValueError saying what to fix otherwise."""
    # The messages leave the url out: the refusal of a setting quotes the value sent after them.
    if not url.startswith(("http://", "https://")):
        raise ValueError("upstream url must start with http:// or https://")
    if "#" in url:
        raise ValueError("upstream url must not carry a fragment (#...)")
    return url


class Upstream(BaseModel):
    """One LLM API the gateway forwards to, and which models go there."""

    # A misspelt key (model_prefix, api_key) was ignored, and its models went to the default upstream.
    model_config = {"extra": "forbid"}

    name: str
    url: str
    # Name of the environment variable holding this upstream's API key (gateway-key mode).
    api_key_env: str | None = None
    # Models routed here: exact names, and name prefixes (e.g. "llama" for llama-3.1-8b).
    models: list[str] = Field(default_factory=list)
    model_prefixes: list[str] = Field(default_factory=list)
    # The url's query (e.g. Azure's `api-version=...`), sent with every call before the client's own.
    _query: str = PrivateAttr(default="")

    @field_validator("url")
    @classmethod
    def _check_url(cls, url: str) -> str:
        return checked_upstream_url(url)

    @field_validator("api_key_env")
    @classmethod
    def _check_api_key_env(cls, name: str | None) -> str | None:
        return checked_variable_name(name)

    @model_validator(mode="after")
    def _split_query(self) -> Upstream:
        # A query must follow the call's path, so it is kept apart from the base the paths are added to.
        base, _, query = self.url.partition("?")
        self.url = base.rstrip("/")
        self._query = query
        return self

    def address(self, path: str, query: str = "") -> str:
        """The URL of `path` (after the base's /v1) at this upstream, its own query first, then `query`."""
        # Read from pydantic's dict of private values: `self._query` misses the instance and goes through
        # BaseModel.__getattr__, which raised and caught two AttributeErrors per read (1.7 µs each, read twice
        # on every proxied call: ~12 % of the proxy's own code for a JSON answer).
        private = self.__pydantic_private__
        own: str = private["_query"] if private else ""
        joined = f"{own}&{query}" if own and query else own or query
        return f"{self.url}{path}?{joined}" if joined else self.url + path

    def api_key(self, environ: Mapping[str, str]) -> str | None:
        """The upstream's API key from the environment, if one is configured."""
        return environ.get(self.api_key_env) if self.api_key_env else None


class ReviewGate(BaseModel):
    """The confidence gate for one app: when its answers are judged risky, and what then happens."""

    model_config = {"extra": "forbid"}

    app: str = Field(min_length=1)
    # An answer whose confidence (exp of the mean token log-probability) is below this is risky;
    # None: `review_gate_threshold`.
    threshold: float | None = Field(default=None, ge=0, le=1)
    # "audit": the answer goes out at once and a risky one opens a review task; "hold": a risky
    # answer waits for a reviewer (the client polls GET /v1/reviews/{task_id}); None: `review_gate_mode`.
    mode: Annotated[Literal["audit", "hold"], ANY_CASE] | None = None
    # Under "hold", what a stream gets (its tokens reach the client before its answer can be judged):
    # "refuse" (400 stream_not_reviewable) or "audit" (goes out, audited when risky); None: `review_gate_streams`.
    streams: Annotated[Literal["refuse", "audit"], ANY_CASE] | None = None


# Ordinary text of every kind of character, where a pattern that can match nothing shows it.
_EMPTY_MATCH_PROBE = "Ab c9 0.5-x_y@z.io, (1) 'q' \"r\"; \u00e9 \uff14 +/:=\t\n"


class RedactionPattern(BaseModel):
    """A custom redaction rule: matches of `pattern` (a Python regular expression) become [redacted:`name`]."""

    model_config = {"extra": "forbid"}

    name: str = Field(pattern=r"^[a-z0-9_-]{1,40}$")
    pattern: str = Field(min_length=1)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"redaction pattern is not a valid regular expression: {exc}") from None
        # Empty matches between characters too (\b, a lookahead): each became "[redacted:name]" in every text.
        if compiled.match("") or any(match.end() == match.start() for match in compiled.finditer(_EMPTY_MATCH_PROBE)):
            raise ValueError("redaction pattern matches empty text; it must match something")
        return pattern
