"""Reading the events of a recorded SSE body, whatever shape the upstream framed them in."""

from __future__ import annotations

from gateway.recording.reassembly import iter_sse_data, iter_sse_json


def test_lf_and_crlf_line_ends_mixed_in_one_body_are_both_understood():
    body = b'data: {"n":1}\r\n\r\ndata: {"n":2}\n\ndata: {"n":3}\r\n\n'

    assert list(iter_sse_json(body)) == [{"n": 1}, {"n": 2}, {"n": 3}]


def test_only_the_one_space_after_data_colon_is_dropped():
    assert list(iter_sse_data(b"data:  indented\n\n")) == [" indented"]


def test_an_event_without_a_payload_has_empty_data():
    assert list(iter_sse_data(b"data:\n\n")) == [""]


def test_json_split_over_several_data_lines_is_parsed_whole():
    assert list(iter_sse_json(b'data: {"a":\ndata: 1}\n\n')) == [{"a": 1}]


def test_a_comment_line_inside_an_event_leaves_its_data_alone():
    assert list(iter_sse_json(b': keep-alive\ndata: {"n":1}\n\n')) == [{"n": 1}]


def test_one_odd_event_among_one_line_events_does_not_disturb_the_others():
    body = b'data: {"n":1}\n\nevent: note\nid: 7\ndata: {"n":2}\n\ndata: {"n":3}\n\n'

    assert list(iter_sse_json(body)) == [{"n": 1}, {"n": 2}, {"n": 3}]


def test_a_last_event_missing_its_blank_line_still_counts():
    assert list(iter_sse_json(b'data: {"n":1}\n\ndata: {"n":2}\n')) == [{"n": 1}, {"n": 2}]


def test_a_last_event_torn_inside_its_json_is_dropped():
    assert list(iter_sse_json(b'data: {"n":1}\n\ndata: {"n":')) == [{"n": 1}]


def test_invalid_utf_8_in_a_json_string_is_read_as_the_replacement_character():
    assert list(iter_sse_json(b'data: {"text":"caf\xe9!"}\n\n')) == [{"text": "caf\ufffd!"}]


def test_invalid_utf_8_in_the_data_text_is_replaced_as_well():
    assert list(iter_sse_data(b"data: caf\xe9\n\n")) == ["caf\ufffd"]


def test_a_multi_byte_character_torn_at_the_end_of_the_body_becomes_one_replacement_character():
    assert list(iter_sse_data("data: naïve".encode()[:-3])) == ["na\ufffd"]


def test_invalid_utf_8_outside_the_json_leaves_the_payload_unparsable():
    assert list(iter_sse_json(b'data: {"n":1}\xff\n\ndata: {"n":2}\n\n')) == [{"n": 2}]
