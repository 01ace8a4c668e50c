"""How a share of calls (a canary's, a sample's) reads in words: the admin pages and the API's messages alike."""

from __future__ import annotations

# The smallest percentage said in figures: a canary's share is at least 0.1 % now (gateway.prompts.service), and one
# stored before that range (1e-300) read "1e-298 %".
SMALLEST_PERCENT = 0.001
# The largest percentage short of all calls said in figures: 0.9995 read "100 %" to three figures.
LARGEST_PERCENT_SHORT_OF_ALL = 99.9


def share_text(share: float) -> str:
    """A share of calls as a percentage to three figures, never an exponent, never rounded to nothing or to all calls:
    0.2 reads "20 %", 0.0005 "0.05 %", 1e-300 "less than 0.001 %", 0.9995 "more than 99.9 %"."""
    percent = share * 100
    if 0 < percent < SMALLEST_PERCENT:
        return f"less than {SMALLEST_PERCENT:g} %"
    said = f"{percent:.3g}"
    if LARGEST_PERCENT_SHORT_OF_ALL < percent < 100 and float(said) >= 100:
        return f"more than {LARGEST_PERCENT_SHORT_OF_ALL:g} %"
    return f"{said} %"
