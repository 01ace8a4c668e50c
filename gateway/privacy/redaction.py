"""Redaction rules: personal data and secrets replaced in text before it is stored.

Pure and synchronous: the writer runs it on its worker thread over each batch of rows, and the
feedback store over each event, never on the proxy's path. A rule is a compiled pattern plus an
optional check on each match (the Luhn check for card numbers, digit counts for phone numbers);
a match that fails its check is left as written.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gateway.domain.blank_text import BLANK_CHARACTERS
from gateway.privacy.logprob_tokens import Span, redacted_logprobs

if TYPE_CHECKING:
    from gateway.config import Settings

# The interaction columns that hold what the user asked, what came back, and what the app attached.
INTERACTION_FIELDS = ("request", "response", "response_text", "tool_calls", "metadata", "error")
# Copies of parts of the stored `response`: redacted too, but their matches are the response's, counted once
# (a card number in an answer read "card: 2", from the answer and its text).
COPIES_OF_RESPONSE = ("response_text", "tool_calls")
# The feedback columns that hold the end user's own words or the app's attachments.
FEEDBACK_FIELDS = ("comment", "correction", "metadata")

Check = Callable[[str], bool]


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn checksum (every card number does)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        # int() reads a digit of any script by its value (a fullwidth four is 4), as the rules' \d matches them.
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _only_digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


def _card_number(match: str) -> bool:
    digits = _only_digits(match)
    return 13 <= len(digits) <= 19 and luhn_valid(digits)


_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")


def _phone_number(match: str) -> bool:
    # E.164 numbers have at most 15 digits; fewer than 9 is a date, a time or a short code.
    digits = _only_digits(match)
    return 9 <= len(digits) <= 15 and not _IPV4.fullmatch(match)


@dataclass(frozen=True, slots=True)
class RedactionRule:
    """One kind of thing to redact: its name (noted on the row), pattern, and an optional check per match."""

    name: str
    pattern: re.Pattern[str]
    check: Check | None = None
    # A cheap test that a text may hold a match at all, so most strings skip the regex.
    hint: Callable[[str], bool] | None = None

    @property
    def replacement(self) -> str:
        """What a match becomes in the stored text."""
        return f"[redacted:{self.name}]"


# Any script's digits, as the rules' \d: a card number typed in fullwidth digits (CJK input methods) was kept.
_DIGIT = re.compile(r"\d")


def _has_digit(text: str) -> bool:
    return _DIGIT.search(text) is not None


# Separated digit groups; lookarounds keep a match from starting or ending inside a longer run,
# so part of a (Luhn-invalid, hence kept) card number is never taken for a phone number.
_DIGIT_RUN_START = r"(?<![\w+])(?<!\d[ .-])"
_DIGIT_RUN_END = r"(?![ .-]?\d)(?!\w)"

# A match starts only where a run of the local part's characters starts ("%" among them): started
# after every "%" of a run, each start read the run to its "@" again, quadratic in its length
# (200 KB of "%a" in one call held the writer's thread, and so the event loop, for about 30 s).
EMAIL = RedactionRule(
    "email",
    re.compile(r"(?<![\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])"),
    hint=lambda text: "@" in text,
)
# 13 to 19 digits, optionally in groups split by single spaces or dashes; Luhn-checked.
CARD = RedactionRule(
    "card",
    re.compile(_DIGIT_RUN_START + r"\d(?:[ -]?\d){12,18}" + _DIGIT_RUN_END),
    check=_card_number,
    hint=_has_digit,
)
# A number written as a phone number: a leading + (international), or groups split by spaces,
# dots, dashes or an area code in parentheses. Bare digit runs are not taken (ids, amounts, orders).
# A national number after the trunk prefix 0 may have one long group ("07911 123456", "030 12345678":
# UK and German mobiles); without the 0, a long group after a short one is prose ("in 2025 123456 people").
PHONE = RedactionRule(
    "phone",
    re.compile(
        r"(?:(?<![\w+])\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{1,4}){1,5}"
        r"|" + _DIGIT_RUN_START + r"(?:\(\d{2,4}\)[ .-]?|\d{2,5}[ .-])\d{2,4}(?:[ .-]\d{2,4}){0,3}"
        r"|" + _DIGIT_RUN_START + r"(?:\(0\d{1,4}\)[ .-]?|0\d{1,4}[ .-])\d{5,8})" + _DIGIT_RUN_END
    ),
    check=_phone_number,
    hint=_has_digit,
)
# A character of an unquoted secret value, and one that is not a letter.
_SECRET_CHAR = r"[^\s\"'&,;<>(){}\[\]]"
_SECRET_NON_LETTER = r"[^\s\"'&,;<>(){}\[\]A-Za-z]"
# Secrets by their well-known shapes (OpenAI/Anthropic sk-…, AWS access key ids, GitHub, Slack,
# Google API keys, Stripe, JWTs, bearer tokens), and any value assigned to a key, secret, token
# or password ("api_key=…", "password: …"): there the name is kept (group `keep`), the value goes.
API_KEY = RedactionRule(
    "api_key",
    re.compile(
        r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}"
        r"|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"
        r"|\bgh[pousr]_[A-Za-z0-9]{30,}"
        r"|\bgithub_pat_[A-Za-z0-9_]{30,}"
        r"|\bxox[abprs]-[A-Za-z0-9-]{10,}"
        r"|\bAIza[0-9A-Za-z_-]{30,}"
        r"|\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}"
        r"|\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"
        r"|(?P<keep>(?i:\bbearer\s+|\b(?:api[_-]?key|secret|token|password|passwd)[\"']?\s*[:=]\s*)(?P<quote>[\"'])?)"
        # Quoted: everything up to the closing quote ("correct horse battery staple"). Unquoted: a
        # run of 4+ characters with a digit or a symbol (hunter2, P@ssw0rd!), or of 8+ letters, up
        # to a space or a separator (&, comma, quote, bracket), so "password: reset" stays prose.
        rf"(?(quote)[^\"'\n]{{1,200}}(?=[\"'])|(?:(?={_SECRET_CHAR}*{_SECRET_NON_LETTER}){_SECRET_CHAR}{{4,}}|{_SECRET_CHAR}{{8,}}))"
    ),
)

BUILT_IN_RULES: tuple[RedactionRule, ...] = (EMAIL, API_KEY, CARD, PHONE)


def custom_rule(name: str, pattern: str) -> RedactionRule:
    """The compiled form of a rule from the settings (the settings already checked that it compiles)."""
    return RedactionRule(name, re.compile(pattern))


Counts = Counter[str]


class Redactor:
    """Applies a list of rules to texts, JSON documents and whole rows, counting what each rule replaced."""

    def __init__(self, rules: Sequence[RedactionRule]) -> None:
        self.rules = tuple(rules)

    def text(self, value: str, counts: Counts) -> str:
        """`value` with every match of every rule replaced; adds to `counts` per rule."""
        for rule in self.rules:
            if rule.hint is not None and not rule.hint(value):
                continue
            value = _apply(rule, value, counts)
        return value

    def spans(self, value: str) -> list[Span]:
        """Where the rules match in `value`, as (start, end, replacement), sorted; an earlier rule's match wins."""
        taken: list[Span] = []
        for rule in self.rules:
            if rule.hint is not None and not rule.hint(value):
                continue
            for match in rule.pattern.finditer(value):
                start = match.start() + len(match.groupdict().get("keep") or "")
                if rule.check is not None and not rule.check(value[start : match.end()]):
                    continue
                if start < match.end() and not any(start < end and match.end() > begin for begin, end, _ in taken):
                    taken.append((start, match.end(), rule.replacement))
        return sorted(taken)

    def document(self, value: Any, counts: Counts) -> Any:
        """A JSON value with every string in it (not the keys) redacted; other values as they were.

        An answer's `logprobs`, which spell its text a token at a time, are redacted over their joined
        tokens (gateway.privacy.logprob_tokens), their matches not counted: the answer's text counts them.
        """
        if isinstance(value, str):
            return self.text(value, counts)
        if isinstance(value, dict):
            return {
                key: self._logprobs(item, counts) if key == "logprobs" else self.document(item, counts)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [self.document(item, counts) for item in value]
        return value

    def _logprobs(self, value: Any, counts: Counts) -> Any:
        redacted = redacted_logprobs(value, self.spans, self.text)
        return self.document(value, counts) if redacted is None else redacted

    def row(self, row: Mapping[str, Any], fields: Iterable[str]) -> tuple[dict[str, Any], dict[str, int]]:
        """A copy of `row` with `fields` redacted, and how many matches each rule replaced (only rules that fired)."""
        counts: Counts = Counter()
        uncounted: Counts = Counter()
        redacted = dict(row)
        copies = COPIES_OF_RESPONSE if redacted.get("response") is not None else ()
        for name in fields:
            if redacted.get(name) is not None:
                redacted[name] = self.document(redacted[name], uncounted if name in copies else counts)
        return redacted, dict(sorted(counts.items()))

    def noted(self, row: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
        """A copy of `row` with `fields` redacted and its `redactions` column saying what fired (None: nothing)."""
        redacted, fired = self.row(row, fields)
        # Every row names the column, fired or not: a batch's rows then go in as one statement shape.
        redacted["redactions"] = fired or None
        return redacted


# A replacement as a stored text holds it (RedactionRule.replacement), the rule's name in it.
_STORED_REPLACEMENT = re.compile(r"\[redacted:([^\[\]]+)\]")
# A text redaction took all of: replacements only (a rule's name is a configured one's, [a-z0-9_-], or a built-in's),
# with blank characters (gateway.domain.blank_text) around and between them. Read by the export's SQL on both
# databases (Python's `re` and PostgreSQL's regular expressions read it alike), so it is a pattern, not a function.
_BLANK_CLASS = "[" + BLANK_CHARACTERS + "]"
ONLY_REPLACEMENTS = rf"\A{_BLANK_CLASS}*(?:\[redacted:[a-z0-9_-]+\]{_BLANK_CLASS}*)+\Z"
# What every replacement begins with: a text without it cannot be made of replacements (a cheap test first).
REPLACEMENT_MARK = "[redacted:"


def redaction_took_all(text: str | None) -> bool:
    """Whether `text` holds nothing but redaction's replacements (and blank characters): it says nothing left."""
    return text is not None and REPLACEMENT_MARK in text and re.search(ONLY_REPLACEMENTS, text) is not None


def stored_counts(row: Mapping[str, Any], fields: Iterable[str]) -> Counts:
    """What redaction counted in `fields` of a stored row, read back from the replacements they hold.

    Counted as `Redactor.row` counts: not in the copies of a stored response, nor in token log-probabilities. A
    replacement's very text that an app or upstream sent counts too (it reads the same).
    """
    counts: Counts = Counter()
    copies = COPIES_OF_RESPONSE if row.get("response") is not None else ()
    for name in fields:
        if name not in copies:
            _count_replacements(row.get(name), counts)
    return counts


def _count_replacements(value: Any, counts: Counts) -> None:
    if isinstance(value, str):
        if "[redacted:" in value:
            counts.update(_STORED_REPLACEMENT.findall(value))
    elif isinstance(value, dict):
        for key, item in value.items():
            if key != "logprobs":  # rewritten as copies of the text, never counted (gateway.privacy.logprob_tokens)
                _count_replacements(item, counts)
    elif isinstance(value, list):
        for item in value:
            _count_replacements(item, counts)


def _apply(rule: RedactionRule, value: str, counts: Counts) -> str:
    def replace(match: re.Match[str]) -> str:
        found = match.group(0)
        keep = match.groupdict().get("keep") or ""
        # An empty match (a custom rule's lookaround, which the settings' probe did not meet) replaces nothing.
        if len(found) == len(keep) or (rule.check is not None and not rule.check(found[len(keep) :])):
            return found
        counts[rule.name] += 1
        return keep + rule.replacement

    return rule.pattern.sub(replace, value)


def redactor_for(settings: Settings) -> Redactor | None:
    """The redactor the settings ask for: built-in rules then `redaction_rules`; None when redaction is off."""
    if not settings.redaction:
        return None
    return Redactor([*BUILT_IN_RULES, *(custom_rule(rule.name, rule.pattern) for rule in settings.redaction_rules)])
