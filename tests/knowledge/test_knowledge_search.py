"""Knowledge-base text search on both databases: one case folding, and a match lies inside one field."""

from __future__ import annotations

import pytest

from gateway.knowledge.service import KnowledgeService
from gateway.store.knowledge import EntryFilter, KnowledgeStore


@pytest.fixture
def service(engine) -> KnowledgeService:
    return KnowledgeService(KnowledgeStore(engine))


async def entry(service: KnowledgeService, title: str, content: str = "Some content.", questions=()):
    return await service.create("bank", author="alice", title=title, content=content, example_questions=questions)


async def found(service: KnowledgeService, text: str) -> list[str]:
    return [e.title for e in (await service.list(EntryFilter(app="bank", text=text))).data]


async def test_search_folds_case_as_python_casefold_does_on_both_databases(service):
    await entry(service, "Straße gesperrt")
    await entry(service, "ΟΔΟΣ κλειστή")  # a final sigma: lower() gives the final form in Python, not in PostgreSQL
    await entry(service, "İzmir branch")  # a dotted capital I: lower() keeps the dot in Python, not in PostgreSQL

    assert await found(service, "STRASSE") == ["Straße gesperrt"]
    assert await found(service, "straße") == ["Straße gesperrt"]
    assert await found(service, "οδος") == ["ΟΔΟΣ κλειστή"]
    assert await found(service, "ΟΔΟσ") == ["ΟΔΟΣ κλειστή"]
    assert await found(service, "İZMIR") == ["İzmir branch"]
    assert await found(service, "i\u0307zmir") == ["İzmir branch"]
    # What str.casefold makes of "İ" is "i" and a combining dot: a plain "izmir" is another word, on both.
    assert await found(service, "izmir") == []


async def test_a_match_lies_inside_one_field(service):
    await entry(service, "Card lost", "Block it in the app.", ["Where is my card", "Is it stolen"])
    await entry(service, "Pending payments", "They settle within a day.", ['Why is it "pending"?', r"a\b"])

    assert await found(service, "my card") == ["Card lost"]
    # Across two example questions, or the JSON around them: text no field holds.
    assert await found(service, 'card", "is') == []
    assert await found(service, "card is") == []
    assert await found(service, '", "') == []
    assert await found(service, '["') == []
    # Across the title and the content.
    assert await found(service, "lost block") == []
    # Quotes and backslashes in a question are found as written (JSON text escapes them).
    assert await found(service, '"pending"?') == ["Pending payments"]
    assert await found(service, r"a\b") == ["Pending payments"]


async def tagged(service: KnowledgeService, title: str, tags: list[str]) -> None:
    await service.create("bank", author="alice", title=title, content="Some content.", tags=tags)


async def with_tag(service: KnowledgeService, tag: str) -> list[str]:
    return sorted(e.title for e in (await service.list(EntryFilter(app="bank", tag=tag))).data)


async def test_the_tag_filter_folds_case_as_text_search_does_on_both_databases(service):
    # It matched the tag as written only: `?tag=cards` missed an entry tagged "Cards".
    await tagged(service, "Card delivery", ["Cards", "Delivery"])
    await tagged(service, "Street closed", ["Straße"])
    await tagged(service, "Izmir branch", ["İzmir"])
    await tagged(service, "Greek road", ["ΟΔΟΣ"])

    assert await with_tag(service, "cards") == ["Card delivery"]
    assert await with_tag(service, "CARDS") == ["Card delivery"]
    assert await with_tag(service, "STRASSE") == ["Street closed"]
    assert await with_tag(service, "straße") == ["Street closed"]
    assert await with_tag(service, "İZMIR") == ["Izmir branch"]
    assert await with_tag(service, "οδος") == ["Greek road"]
    # What str.casefold makes of "İ" is "i" and a combining dot: a plain "izmir" is another tag, on both.
    assert await with_tag(service, "izmir") == []


async def test_the_tag_filter_matches_a_whole_tag(service):
    await tagged(service, "Card delivery", ["Cards", "Delivery time"])

    assert await with_tag(service, "card") == []
    assert await with_tag(service, "delivery") == []
    assert await with_tag(service, "cards delivery") == []
    assert await with_tag(service, "delivery time") == ["Card delivery"]
