"""Shaping stored rows into API JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def utc(value: datetime | None) -> datetime | None:
    """A timestamp as aware UTC (SQLite hands back naive values that were stored as UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def interaction_json(row: dict[str, Any]) -> dict[str, Any]:
    """One interaction as the API returns it."""
    usage = None
    if row.get("total_tokens") is not None or row.get("prompt_tokens") is not None:
        usage = {
            "prompt_tokens": row.get("prompt_tokens"),
            "completion_tokens": row.get("completion_tokens"),
            "total_tokens": row.get("total_tokens"),
        }
    return {
        "id": row["id"],
        "created_at": utc(row["created_at"]),
        "app": row["app"],
        "endpoint": row["endpoint"],
        "upstream": row["upstream"],
        "model": row.get("model"),
        "stream": row.get("stream"),
        "end_user": row.get("end_user"),
        "metadata": row.get("metadata"),
        "upstream_response_id": row.get("upstream_response_id"),
        "status_code": row.get("status_code"),
        "error": row.get("error"),
        "partial": row.get("partial"),
        "request": row.get("request"),
        "response": row.get("response"),
        "response_text": row.get("response_text"),
        "tool_calls": row.get("tool_calls"),
        "finish_reason": row.get("finish_reason"),
        "usage": usage,
        "latency_ms": row.get("latency_ms"),
        "ttfb_ms": row.get("ttfb_ms"),
    }


def feedback_json(row: dict[str, Any]) -> dict[str, Any]:
    """One feedback event as the API returns it."""
    return {
        "id": row["id"],
        "interaction_id": row["interaction_id"],
        "created_at": utc(row["created_at"]),
        "app": row["app"],
        "user_id": row.get("user_id"),
        "thumbs": row.get("thumbs"),
        "rating": row.get("rating"),
        "correction": row.get("correction"),
        "comment": row.get("comment"),
        "negative": bool(row["negative"]),
        "metadata": row.get("metadata"),
        "idempotency_key": row.get("idempotency_key"),
        "submitted_via": row["submitted_via"],
        "seconds_after_answer": row.get("seconds_after_answer"),
    }
