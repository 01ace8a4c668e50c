"""Reading a text-only chat chunk by its shape gives exactly what parsing it would, or nothing."""

from __future__ import annotations

import random

import orjson

from gateway.recording.chunk_shapes import text_chunk_shape
from tests.recording.sse_bodies import chat_chunk


def _shape(**extra):
    shape = text_chunk_shape(chat_chunk({"content": "Hello"}, **extra))
    assert shape is not None
    return shape


def _payload(text, **extra):
    return orjson.dumps(chat_chunk({"content": text}, **extra))


def test_a_chunk_of_the_same_shape_gives_its_text():
    assert _shape().text_of(_payload(' world "quoted"\n café')) == ' world "quoted"\n café'


def test_a_padded_chunk_gives_its_text_whatever_its_padding():
    shape = _shape(obfuscation="abc")
    assert shape.text_of(_payload(" there", obfuscation="Zq9xY")) == " there"


def test_padding_that_is_no_string_is_of_no_shape():
    payload = _payload(" there", obfuscation="Zq9xY").replace(b'"Zq9xY"', b"12")
    assert _shape(obfuscation="abc").text_of(payload) is None


def test_a_text_cut_holding_more_than_one_string_is_of_no_shape():
    payload = _payload("PLACE").replace(b'"PLACE"', b'"a","role":"user"')
    assert _shape().text_of(payload) is None


def test_a_text_with_bytes_that_are_not_utf8_is_left_to_the_full_reading():
    payload = _payload("bad").replace(b"bad", b"b\xffd")
    assert _shape().text_of(payload) is None


def test_a_chunk_of_another_choice_or_model_is_of_no_shape():
    assert _shape().text_of(orjson.dumps(chat_chunk({"content": "x"}, index=1))) is None
    assert _shape().text_of(_payload("x", model="another")) is None


def test_chunks_carrying_more_than_text_have_no_shape():
    with_logprobs = chat_chunk({"content": "Hi"})
    with_logprobs["choices"][0]["logprobs"] = {"content": [], "refusal": None}
    assert text_chunk_shape(with_logprobs) is None
    assert text_chunk_shape(chat_chunk({"content": "Hi"}, finish_reason="stop")) is None
    assert text_chunk_shape(chat_chunk({"role": "assistant", "content": "Hi"})) is None
    assert text_chunk_shape(chat_chunk({"content": "Hi"}, usage={"total_tokens": 3})) is None


def test_whatever_a_payload_is_a_text_read_by_shape_is_the_text_parsing_it_gives():
    shape, template = _shape(obfuscation="pad"), _payload("Hello", obfuscation="pad")
    alphabet = b'"\\{}[],: xa\n\xff0'
    rng = random.Random(50)
    read = 0
    for _ in range(3000):
        payload = bytearray(template)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(payload))
            payload[at : at + rng.randint(0, 2)] = bytes(rng.choices(alphabet, k=rng.randint(0, 3)))
        text = shape.text_of(bytes(payload))
        if text is None:
            continue
        read += 1
        parsed = orjson.loads(bytes(payload))
        assert parsed == {**chat_chunk({"content": text}), "obfuscation": parsed["obfuscation"]}
        assert isinstance(parsed["obfuscation"], str)
    assert read > 100  # the mutations inside the two cuts
