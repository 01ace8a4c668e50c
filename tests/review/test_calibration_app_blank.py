"""The calibration report's app is a name, blank by the one rule (gateway/domain/blank_text.py): one of zero-width or
ideographic spaces names no app, and is refused naming the field and saying it is blank (str.strip kept U+200B, and
such an app got a report of nothing)."""

from __future__ import annotations

import pytest
from review_seed import Clock

from gateway.domain.errors import InvalidQuery
from gateway.review.calibration_report import CalibrationReports
from gateway.store.confidence_samples import ConfidenceSampleStore

BLANKS = ["", "\u200b", "\u3000", "\u2060 \ufeff"]
BLANK_APP = "'app' is blank: name the app whose answers to calibrate on"


@pytest.mark.parametrize("blank", BLANKS)
async def test_a_report_for_a_blank_app_is_refused_as_blank(engine, blank):
    reports = CalibrationReports(ConfidenceSampleStore(engine), {}, clock=Clock())

    with pytest.raises(InvalidQuery) as refused:
        await reports.report(blank)

    assert (refused.value.field, refused.value.message) == ("app", BLANK_APP)


@pytest.mark.parametrize("blank", BLANKS)
async def test_the_api_answers_a_blank_app_with_a_400_saying_it_is_blank(client, admin_headers, blank):
    response = await client.get("/api/reviews/calibration", params={"app": blank}, headers=admin_headers)

    assert response.status_code == 400, response.text
    assert response.json()["detail"] == BLANK_APP
    assert [entry["key"] for entry in response.json()["extra"]] == ["app"]
