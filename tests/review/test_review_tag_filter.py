"""The review queue's tag filter matches a whole tag in any case, by the rule the knowledge base's tag filter follows
(str.casefold: "cards" finds "Cards", "STRASSE" finds "Straße"), alike on both databases."""

from __future__ import annotations

import pytest
from review_seed import store_interactions

from gateway.review.records import Priority, Source
from gateway.review.service import ReviewService
from gateway.store.reviews import ReviewFilter


async def tagged(reviews: ReviewService, engine, tags: tuple[str, ...]) -> str:
    """A manual task carrying `tags`; its id."""
    opened = await reviews.open_or_update(
        app="support-bot",
        source=Source.MANUAL,
        reason="asked for",
        priority=Priority.MEDIUM,
        interaction_ids=await store_interactions(engine, 1),
        evidence=None,
        tags=tags,
    )
    assert opened is not None
    return opened.task.task.id


async def listed(reviews: ReviewService, tag: str) -> list[str]:
    page = await reviews.list(ReviewFilter(tag=tag), sort="newest", limit=10)
    return [task.id for task in page.data]


@pytest.mark.parametrize("asked", ["cards", "CARDS", "Cards"])
async def test_the_tag_filter_finds_a_tag_in_any_case(reviews, engine, asked):
    task = await tagged(reviews, engine, ("Cards",))

    assert await listed(reviews, asked) == [task]


@pytest.mark.parametrize("asked", ["STRASSE", "strasse", "straße"])
async def test_the_tag_filter_folds_as_the_knowledge_base_does_beyond_ascii(reviews, engine, asked):
    # SQLite's and PostgreSQL's own lower() disagree beyond ASCII, and neither folds "ß" to "ss".
    task = await tagged(reviews, engine, ("Straße",))

    assert await listed(reviews, asked) == [task]


async def test_the_tag_filter_matches_a_whole_tag_only(reviews, engine):
    await tagged(reviews, engine, ("card fees",))

    assert await listed(reviews, "card") == []
