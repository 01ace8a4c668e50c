"""The overview's traffic panel says what its figures count: interactions with feedback, and votes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import uuid_utils
from html_page import parse
from overview_seed import interaction

from gateway.accounts.records import Role
from gateway.store.feedback import FeedbackStore
from gateway.store.interactions import InteractionStore


async def five_interactions_four_rated_by_five_votes(engine) -> None:
    """5 interactions of the bot: one rated by two users, three by one, one not at all (5 votes on 4)."""
    now = datetime.now(UTC)
    rows = [interaction(now - timedelta(hours=3, minutes=n), "bot") for n in range(5)]
    await InteractionStore(engine).insert_many(rows)
    votes = [(rows[0], "ann"), (rows[0], "bob"), (rows[1], "ann"), (rows[2], "ann"), (rows[3], "ann")]
    for row, user in votes:
        await FeedbackStore(engine).append(
            {
                "id": str(uuid_utils.uuid7()),
                "interaction_id": row["id"],
                "created_at": row["created_at"] + timedelta(seconds=30),
                "app": "bot",
                "user_id": user,
                "thumbs": "up",
                "negative": False,
                "submitted_via": "app",
            }
        )


async def test_the_panel_counts_interactions_with_feedback_apart_from_votes(browser_as, gateway):
    await five_interactions_four_rated_by_five_votes(gateway.services.engine)
    viewer = await browser_as("vic", Role.VIEWER)

    panel = parse((await viewer.get("/admin/overview/traffic?days=7")).text)

    figures = [
        (figure.find(class_="value").text, figure.find(class_="label").text)
        for figure in panel.find_all("div", class_="figure")
    ]
    assert figures[:3] == [("5", "interactions"), ("4", "with feedback (80.0 %)"), ("5", "votes (each user's latest)")]
    assert [cell.text for cell in panel.find(data_testid="groups").find_all(data_testid="group-with-feedback")] == ["4"]


async def test_the_volume_charts_axis_says_it_counts_per_day(browser_as, gateway):
    # It said "UTC days" up the y axis, which counts interactions and feedback, not days.
    await five_interactions_four_rated_by_five_votes(gateway.services.engine)
    viewer = await browser_as("vic", Role.VIEWER)

    panel = parse((await viewer.get("/admin/overview/traffic?days=7")).text)

    volume = next(svg for svg in panel.find_all("svg") if svg.attrs["aria-label"].startswith("Interactions"))
    assert volume.attrs["aria-label"] == "Interactions and feedback per day (count per UTC day)"
    assert volume.find("text", class_="unit").text == "count per UTC day"
