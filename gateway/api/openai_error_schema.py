"""What the OpenAPI schema says of an error under /v1/: OpenAI's shape, which the OpenAI SDKs read."""

from __future__ import annotations

from typing import Annotated

from litestar.openapi import ResponseSpec
from msgspec import Meta, Struct


class OpenAIError(Struct):
    """What went wrong, as OpenAI's API says it."""

    message: Annotated[str, Meta(description="What is wrong and what to do about it, for a person.")]
    type: Annotated[
        str,
        Meta(
            description=(
                "invalid_request_error (400, 401, 413, 422), permission_error (403), not_found_error (404), "
                "requests or insufficient_quota (429), api_error (409, 410, 503)."
            )
        ),
    ]
    param: Annotated[str | None, Meta(description="The body field at fault, when one is.")]
    code: Annotated[str | None, Meta(description="The reason, for programs (listed under each status).")]


class OpenAIErrorBody(Struct):
    """An error in OpenAI's shape, so the OpenAI SDKs raise their usual exceptions."""

    error: OpenAIError


def openai_error(description: str) -> ResponseSpec:
    """An answer in OpenAI's error shape, its codes said in `description`."""
    return ResponseSpec(OpenAIErrorBody, description=description, generate_examples=False)
