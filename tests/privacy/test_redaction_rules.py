"""Each redaction rule: what it replaces, what it leaves alone, and how rules from the settings are checked."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from gateway.config import Settings, load_settings
from gateway.config_checks import ConfigError
from gateway.privacy.redaction import INTERACTION_FIELDS, Redactor, custom_rule, luhn_valid, redactor_for

REDACTOR = redactor_for(Settings(redaction=True, redaction_rules=[{"name": "ticket", "pattern": r"TCK-\d{4,}"}]))


def redact(text: str) -> tuple[str, dict[str, int]]:
    counts: Counter[str] = Counter()
    assert REDACTOR is not None
    return REDACTOR.text(text, counts), dict(counts)


@pytest.mark.parametrize("address", ["alice@example.com", "j.doe+billing@mail.example.co.uk", "X_Y-9@sub-domain.io"])
def test_email_addresses_are_redacted(address):
    assert redact(f"write to {address} please") == ("write to [redacted:email] please", {"email": 1})


@pytest.mark.parametrize(
    "number",
    ["+1 (415) 555-2671", "+44 20 7946 0958", "020 7946 0958", "415-555-2671", "415.555.2671", "+4915123456789"],
)
def test_phone_numbers_are_redacted(number):
    assert redact(f"call {number} today") == ("call [redacted:phone] today", {"phone": 1})


@pytest.mark.parametrize("number", ["07911 123456", "0171 1234567", "030 12345678", "(030) 12345678", "06-12345678"])
def test_national_numbers_with_a_long_subscriber_part_are_redacted(number):
    # The trunk prefix 0 then one group of 5-8 digits: how UK and German mobiles and Dutch numbers are written.
    assert redact(f"call {number} today") == ("call [redacted:phone] today", {"phone": 1})


@pytest.mark.parametrize("text", ["in 2025 123456 people", "item 12 3456789", "ref 0 123456789"])
def test_a_long_digit_group_without_a_trunk_prefix_is_not_a_phone_number(text):
    assert redact(text) == (text, {})


@pytest.mark.parametrize("text", ["on 2026-12-01 at 10:30", "order 123456789", "from 192.168.100.200", "version 1.2.3"])
def test_dates_ids_addresses_and_versions_are_not_phone_numbers(text):
    assert redact(text) == (text, {})


@pytest.mark.parametrize("card", ["4111111111111111", "4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005"])
def test_luhn_valid_card_numbers_are_redacted(card):
    assert redact(f"my card is {card}.") == ("my card is [redacted:card].", {"card": 1})


@pytest.mark.parametrize("digits", ["4111111111111112", "4111 1111 1111 1112", "1234567890123"])
def test_luhn_invalid_digit_runs_are_kept(digits):
    assert redact(f"reference {digits}") == (f"reference {digits}", {})


def test_the_luhn_check_accepts_valid_and_refuses_altered_numbers():
    assert luhn_valid("79927398713") and not luhn_valid("79927398710")


@pytest.mark.parametrize(
    "secret",
    [
        "sk-proj-Abc123def456GHI789jkl012mno",
        "sk-ant-api03-abcdefghijklmnopqrstuvwx",
        "AKIAIOSFODNN7EXAMPLE",
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        "xoxb-1234567890-abcdefghij",
        "AIzaSyA-abcdefghijklmnopqrstuvwxyz012345",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ],
)
def test_api_key_like_strings_are_redacted(secret):
    assert redact(f"key: {secret} end") == ("key: [redacted:api_key] end", {"api_key": 1})


@pytest.mark.parametrize(
    "text", ["api_key=abcd1234efgh", 'password: "hunter2hunter2"', "Authorization: Bearer abcdefghijklmnopqrstuvwx"]
)
def test_values_assigned_to_secret_names_are_redacted_and_the_name_kept(text):
    redacted, counts = redact(text)

    assert redacted.endswith("[redacted:api_key]" + ('"' if text.endswith('"') else ""))
    assert counts == {"api_key": 1}


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("my password: hunter2", "my password: [redacted:api_key]"),
        ("password: P@ssw0rd!2024 now", "password: [redacted:api_key] now"),
        ("secret: s3cr3t#Value", "secret: [redacted:api_key]"),
        ('password="correct horse battery staple"', 'password="[redacted:api_key]"'),
        ("password=hunter2&user=bob", "password=[redacted:api_key]&user=bob"),
    ],
)
def test_common_passwords_after_a_secret_name_are_redacted_up_to_a_separator(text, redacted):
    # Short, with symbols, or quoted with spaces: the shapes the value rule used to miss.
    assert redact(text) == (redacted, {"api_key": 1})


@pytest.mark.parametrize("text", ["I forgot my password: reset it please", "send a Bearer token", "token: abc"])
def test_a_short_plain_word_after_a_secret_name_is_prose_and_kept(text):
    assert redact(text) == (text, {})


def test_a_custom_rule_from_the_settings_is_applied():
    assert redact("about TCK-20481 again") == ("about [redacted:ticket] again", {"ticket": 1})


def test_every_string_in_a_json_document_is_redacted_and_keys_and_numbers_are_kept():
    counts: Counter[str] = Counter()
    document = {
        "messages": [{"role": "user", "content": "I am bob@example.com"}],
        "alice@example.com": 4111111111111111,
    }

    assert REDACTOR is not None
    redacted = REDACTOR.document(document, counts)

    assert redacted == {
        "messages": [{"role": "user", "content": "I am [redacted:email]"}],
        "alice@example.com": 4111111111111111,
    }
    assert counts == {"email": 1}


def test_redaction_is_off_by_default():
    assert redactor_for(Settings()) is None


def test_a_custom_rule_that_does_not_compile_is_refused_with_its_reason(tmp_path):
    config = tmp_path / "feedgate.toml"
    config.write_text('redaction = true\n[[redaction_rules]]\nname = "ticket"\npattern = "TCK-(\\\\d+"\n')

    with pytest.raises(ConfigError, match="not a valid regular expression"):
        load_settings(config)


def test_a_custom_rule_matching_empty_text_is_refused():
    with pytest.raises(ValueError, match="matches empty text"):
        Settings(redaction_rules=[{"name": "anything", "pattern": ".*"}])


def test_an_answers_text_is_redacted_but_counted_once_with_the_answer():
    answer = {"choices": [{"message": {"content": "Write to bob@example.com"}}]}
    row = {"request": {"messages": []}, "response": answer, "response_text": "Write to bob@example.com"}

    assert REDACTOR is not None
    redacted, fired = REDACTOR.row(row, INTERACTION_FIELDS)

    assert redacted["response_text"] == "Write to [redacted:email]"
    assert fired == {"email": 1}


def test_without_a_stored_answer_its_text_is_counted():
    # A stream cut short keeps what arrived as text, with no answer document.
    row = {"request": {"messages": []}, "response": None, "response_text": "Write to bob@example.com"}

    assert REDACTOR is not None
    assert REDACTOR.row(row, INTERACTION_FIELDS)[1] == {"email": 1}


def test_an_address_after_a_percent_sign_is_redacted_with_it():
    # URL-encoded text ("%22" is a quote): the escape before the address goes with it, as one match.
    assert redact("mailto:%22alice@example.com%22") == ("mailto:[redacted:email]%22", {"email": 1})


def test_a_long_run_of_percent_signs_before_an_at_sign_is_scanned_in_linear_time():
    # Each character after a "%" could start an address, and each start read the run to its end:
    # 200 KB of "%a" held the writer's thread, and so the event loop, for about 30 s.
    texts = ("%a" * size + "@" for size in (5_000, 80_000))
    small, large = (timed(REDACTOR.text, text, Counter()) for text in texts)
    assert large < max(small, 0.005) * 16 * 4  # 16 times the text, 16 times the time, and room for a busy host


def timed(function, *args):
    """The least of three runs' seconds: a busy host's pauses lengthen a run, never shorten one."""
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        function(*args)
        runs.append(time.perf_counter() - started)
    return min(runs)


@pytest.mark.parametrize("pattern", [r"\b", r"(?=\d)", r"\B", r"(?<=\s)"])
def test_a_custom_rule_matching_empty_text_between_characters_is_refused(pattern):
    with pytest.raises(ValueError, match="matches empty text"):
        Settings(redaction_rules=[{"name": "boundary", "pattern": pattern}])


def test_an_empty_match_of_a_custom_rule_replaces_nothing_and_counts_nothing():
    # Empty only after a ticket prefix with no number: no probe of the settings' check meets it.
    redactor = Redactor([custom_rule("ticket", r"(?<=TCK-)\d*")])
    counts: Counter[str] = Counter()

    assert redactor.text("TCK- pending, TCK-2048 done", counts) == "TCK- pending, TCK-[redacted:ticket] done"
    assert counts == {"ticket": 1}


# Digits of other scripts, written from ASCII ones (the characters themselves read as lookalikes).
FULLWIDTH = str.maketrans("0123456789", "".join(chr(0xFF10 + n) for n in range(10)))
ARABIC_INDIC = str.maketrans("0123456789", "".join(chr(0x0660 + n) for n in range(10)))
DEVANAGARI = str.maketrans("0123456789", "".join(chr(0x0966 + n) for n in range(10)))


@pytest.mark.parametrize(
    "card",
    [
        "4111 1111 1111 1111".translate(FULLWIDTH),  # as CJK input methods type digits
        "4111111111111111".translate(ARABIC_INDIC),
        "4111-1111-1111-1111".translate(DEVANAGARI),
    ],
)
def test_card_numbers_in_other_scripts_digits_are_redacted(card):
    assert redact(f"my card is {card}.") == ("my card is [redacted:card].", {"card": 1})


def test_the_luhn_check_reads_digits_of_other_scripts_by_their_value():
    assert luhn_valid("79927398713".translate(FULLWIDTH)) and not luhn_valid("79927398710".translate(FULLWIDTH))


def test_a_phone_number_in_fullwidth_digits_is_redacted():
    number = "+44 20 7946 0958".translate(FULLWIDTH)
    assert redact(f"call {number}") == ("call [redacted:phone]", {"phone": 1})
