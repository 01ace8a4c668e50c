"""The OpenAI SDK client for Feedgate's own calls to a model (embeddings, issue titles, judging), never the proxy's."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl

import httpx
import openai

__all__ = ["side_call_client"]


def side_call_client(
    base_url: str,
    api_key_env: str | None,
    environ: Mapping[str, str],
    *,
    timeout: float,
    max_retries: int = 2,
) -> openai.OpenAI:
    """A sync OpenAI client for `base_url`, keyed by the environment variable `api_key_env` when set."""
    # Local endpoints need no key, but the SDK refuses to start without one.
    api_key = (environ.get(api_key_env) if api_key_env else None) or "unused"
    # The SDK joins paths onto its base URL, so a query there (Azure's api-version) goes with every call instead.
    base_url, _, query = base_url.partition("?")
    return openai.OpenAI(
        base_url=base_url,
        default_query=dict(parse_qsl(query)) or None,
        api_key=api_key,
        timeout=timeout,
        max_retries=max_retries,
        # A plain httpx client, the HTTP library the rest of Feedgate uses (and respx mocks);
        # the SDK accepts it in place of its own transport. Its annotation names its own fork
        # (httpx2), whose Client is the same class under another module, hence the ignore.
        http_client=httpx.Client(timeout=timeout),  # type: ignore[arg-type]
    )
