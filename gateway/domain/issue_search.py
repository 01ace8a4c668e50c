"""The issues' title search, as the API's list (`q`) and the Issues page read it: one rule for both.

The text is trimmed by the one rule of blank ends (gateway.domain.blank_text), blank is no search, and it is as long
as any search may be (gateway.domain.search_length). It matches a title holding it in any case, folded with
str.casefold ("STRASSE" finds "Straße"), `%` and `_` as themselves: gateway.store.issues does the looking.
"""

from __future__ import annotations

from dataclasses import replace

from gateway.domain.blank_text import said_or_none
from gateway.domain.search_length import check_search_length
from gateway.store.issues import IssueFilter


def searched_title(where: IssueFilter) -> IssueFilter:
    """`where` with its title search as the list reads it (None when blank); InvalidQuery naming `q` when too long."""
    title = said_or_none(where.title)
    if title is not None:
        check_search_length(title)
    return replace(where, title=title)
