"""Settings of privacy: what is redacted before anything is stored, and how long interactions are kept."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from gateway.config_checks import MAX_DAYS
from gateway.config_entries import RedactionPattern
from gateway.domain.quoting import quoted
from gateway.privacy.redaction import BUILT_IN_RULES


class PrivacySettings(BaseModel):
    """Redaction of stored text, and the retention of interactions."""

    # Privacy (gateway.privacy). With `redaction` on, the writer replaces e-mail addresses, phone
    # numbers, card numbers (Luhn-checked), API-key-like strings and matches of `redaction_rules`
    # ([[redaction_rules]] name = "ticket", pattern = 'TCK-\d+') in requests, answers, metadata,
    # feedback text and what reviewers write on review tasks (gateway.review.reviewer_text) before
    # anything is stored; the upstream still gets the original.
    redaction: bool = False
    redaction_rules: list[RedactionPattern] = Field(default_factory=list)
    # Retention: interactions older than `retention_days` (None: kept for ever), with their
    # feedback and everything else that refers to them, are pruned every
    # `retention_interval_minutes` by `serve` and `worker`, `retention_batch_size` per transaction.
    # At most a century (MAX_DAYS): an older cutoff is not a date.
    retention_days: float | None = Field(default=None, gt=0, le=MAX_DAYS)
    retention_interval_minutes: float = Field(default=60, ge=0.1)
    retention_batch_size: int = Field(default=5_000, ge=1, le=50_000)

    @field_validator("redaction_rules")
    @classmethod
    def _names_apart(cls, rules: list[RedactionPattern]) -> list[RedactionPattern]:
        # Each rule's count is kept under its name (an interaction's `redactions`): a custom rule named as
        # a built-in one, or as another custom one, merged their counts and hid which rule fired.
        taken = {rule.name for rule in BUILT_IN_RULES}
        for rule in rules:
            if rule.name in taken:
                built_in = ", ".join(sorted(r.name for r in BUILT_IN_RULES))
                raise ValueError(
                    f"redaction rule name {quoted(rule.name)} is taken (built-in rules: {built_in}; each custom rule "
                    "needs a name of its own)"
                )
            taken.add(rule.name)
        return rules
