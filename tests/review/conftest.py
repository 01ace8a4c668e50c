"""Review fixtures: the review service on each database, with a clock the test moves."""

from __future__ import annotations

import pytest
from review_seed import Clock
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.config import Settings
from gateway.review.levels import ServiceLevels
from gateway.review.service import ReviewService
from gateway.store.review_figures import ReviewFigureStore
from gateway.store.reviews import ReviewStore


@pytest.fixture
def clock() -> Clock:
    return Clock()


def service_levels(second_opinion_share: float = 0.0) -> ServiceLevels:
    """The default levels (24 h / 48 h / 7 days, a 15-minute lease), with the given second-opinion share."""
    return ServiceLevels.from_settings(Settings(review_second_opinion_share=second_opinion_share))


@pytest.fixture
def reviews(engine: AsyncEngine, clock: Clock) -> ReviewService:
    """A review service on this test's database where no task needs a second reviewer."""
    return ReviewService(ReviewStore(engine), ReviewFigureStore(engine), service_levels(0.0), clock=clock)


@pytest.fixture
def double_checked(engine: AsyncEngine, clock: Clock) -> ReviewService:
    """A review service on this test's database where every task needs a second reviewer."""
    return ReviewService(ReviewStore(engine), ReviewFigureStore(engine), service_levels(1.0), clock=clock)
