"""JSON with exact numbers: orjson's output and refusals, with integers beyond 64 bits kept as they are."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import orjson
import pytest

from gateway.exact_json import dumps_exact, loads_exact, may_have_lost_wide_int, may_hold_wide_int

WIDE = 123456789012345678901234567890


@pytest.mark.parametrize("number", [WIDE, -WIDE, 2**64, -(2**63) - 1])
def test_an_integer_orjson_would_read_as_a_float_reads_back_exactly(number: int):
    assert loads_exact(f'{{"n": {number}}}'.encode()) == {"n": number}


def test_what_orjson_refuses_to_read_is_refused_alike():
    with pytest.raises(orjson.JSONDecodeError):
        loads_exact(b'{"n": NaN, "seed": 123456789012345678901234567890}')


def test_only_a_run_of_19_digits_may_hold_an_integer_beyond_64_bits():
    assert not may_hold_wide_int(b'{"n": 922337203685477580, "f": 0.12345678901234567}')
    assert may_hold_wide_int('{"n": -9223372036854775809}')


def test_an_integer_beyond_64_bits_is_written_exactly():
    assert dumps_exact({"n": WIDE, "text": "café"}) == '{"n":123456789012345678901234567890,"text":"café"}'.encode()


def test_beside_such_an_integer_other_values_are_written_as_orjson_writes_them():
    value = {"b": [1.5, math.nan], "a": datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)}

    written = dumps_exact({**value, "n": WIDE}, sort_keys=True)

    assert written == orjson.dumps(value, option=orjson.OPT_SORT_KEYS)[:-1] + b',"n":' + str(WIDE).encode() + b"}"


def test_what_orjson_refuses_to_write_beside_such_an_integer_is_refused_alike():
    with pytest.raises(orjson.JSONEncodeError):
        dumps_exact({"n": WIDE, "text": "\ud800"})


def test_orjsons_reading_of_a_wide_integer_may_have_lost_it():
    parsed = orjson.loads(b'{"a":[1,{"seed":123456789012345678901234567890}],"b":-9223372036854775809}')

    assert may_have_lost_wide_int(parsed, orjson.dumps(parsed))
    assert may_have_lost_wide_int(parsed["b"])


def test_what_holds_no_float_that_large_lost_nothing():
    parsed = orjson.loads(b'{"a":18446744073709551615,"b":-9223372036854775808,"c":9.2e18,"d":"e+30"}')

    assert not may_have_lost_wide_int(parsed)
    # Its writing has no exponent: no walk needed.
    assert not may_have_lost_wide_int(parsed, b'{"a":1}')
