"""When a text says nothing: it is made of blank characters only (or is no text at all).

One rule, read alike by the SQL that picks an export's labelled rows (gateway.store.choice_sql trims these
characters on both databases) and by the Python that makes examples of them (gateway.export.examples): an answer the
one finds blank, the other does too. The characters are Unicode's whitespace, as `str.isspace` reads it (ASCII's, the
no-break space, the em and ideographic spaces, the line and paragraph separators...), and the zero-width characters
that show nothing either (a zero-width space, joiner or non-joiner, the word joiner, a byte order mark, the Mongolian
vowel separator that was whitespace before Unicode 6.3). They are listed here, not read from `str.isspace` at run
time, so the SQL's list cannot drift with the Python version.
"""

from __future__ import annotations

from gateway.domain.errors import InvalidQuery

# Every character `str.isspace` calls whitespace, then the zero-width ones, as code points.
BLANK_CODE_POINTS: tuple[int, ...] = (
    *range(0x09, 0x0E),  # tab, line feed, vertical tab, form feed, carriage return
    *range(0x1C, 0x20),  # the file, group, record and unit separators
    0x20,  # space
    0x85,  # next line
    0xA0,  # no-break space
    0x1680,  # Ogham space mark
    *range(0x2000, 0x200B),  # en quad to hair space
    0x2028,  # line separator
    0x2029,  # paragraph separator
    0x202F,  # narrow no-break space
    0x205F,  # medium mathematical space
    0x3000,  # ideographic space
    0x180E,  # Mongolian vowel separator
    0x200B,  # zero-width space
    0x200C,  # zero-width non-joiner
    0x200D,  # zero-width joiner
    0x2060,  # word joiner
    0xFEFF,  # zero-width no-break space (byte order mark)
)
BLANK_CHARACTERS = "".join(map(chr, BLANK_CODE_POINTS))


def says_nothing(text: str | None) -> bool:
    """Whether `text` is None or made of blank characters only (empty included)."""
    return text is None or not text.strip(BLANK_CHARACTERS)


def without_blank_ends(text: str) -> str:
    """`text` without the blank characters it begins and ends with."""
    return text.strip(BLANK_CHARACTERS)


def said_or_none(text: str | None) -> str | None:
    """`text` without its blank ends, or None when it says nothing: a person's comment, note or tag as it is kept."""
    return None if says_nothing(text) else without_blank_ends(text or "")


def blank_message(field: str, wanted: str) -> str:
    """The refusal of `field` given blank: it names the field, says it is blank, and says what to give (`wanted`)."""
    return f"'{field}' is blank: {wanted}"


def said_name(field: str, name: str, wanted: str) -> str:
    """`name` (a person's or an app's, as sent) without its blank ends; InvalidQuery (blank_message) if it says nothing.

    A name of zero-width or ideographic spaces names no one: str.strip keeps U+200B, so such a name was taken.
    """
    refuse_blank(field, name, wanted)
    return without_blank_ends(name)


def refuse_blank(field: str, text: str | None, wanted: str) -> None:
    """InvalidQuery naming `field` (blank_message) when `text` is given and says nothing; an app's name keeps its ends."""
    if text is not None and says_nothing(text):
        raise InvalidQuery(field, blank_message(field, wanted))
