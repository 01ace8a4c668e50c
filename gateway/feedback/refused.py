"""Why feedback is not accepted: the one error every step of recording a post raises, with its HTTP status."""

from __future__ import annotations


class FeedbackRefused(Exception):
    """Feedback that is not accepted: `status` is the HTTP status that says why.

    `retry_after` (seconds) is set when the post was over a rate limit and may be tried again then.
    """

    def __init__(
        self, status: int, message: str, code: str, field: str | None = None, retry_after: int | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.field = field
        self.retry_after = retry_after
