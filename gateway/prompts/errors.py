"""What the prompt service refuses, for the HTTP layer to map: unknown version (404), conflicting state (409)."""

from __future__ import annotations

from gateway.domain.quoting import quoted


class VersionNotFound(LookupError):
    """No instruction version has this id."""

    def __init__(self, version_id: str, field: str = "id") -> None:
        super().__init__(f"no prompt version with id {quoted(version_id)} (field {quoted(field)})")
        self.version_id = version_id
        self.field = field


class PromptConflict(Exception):
    """The app's rollout state forbids the change now (already active, another canary running…); the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
