"""The 2-D map of an app's negative feedback: a PCA of the kept UMAP coordinates, the issue's members marked."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
from html_page import parse
from issue_seed import issue_with_examples

from admin_ui.charts import scatter_map
from clustering.reduce import ReductionFit
from gateway.accounts.records import Role
from gateway.discovery.feedback_map import project_2d
from gateway.store.reduction_fits import ReductionFitStore

SVG = "{http://www.w3.org/2000/svg}"


def test_the_projection_keeps_the_widest_spread_and_scales_to_the_unit_square():
    rng = np.random.default_rng(3)
    points = np.column_stack([rng.normal(0, 10, 200), rng.normal(0, 1, 200), rng.normal(0, 0.01, 200)])

    flat = project_2d(points)

    assert flat.shape == (200, 2)
    assert flat.min() == 0.0 and flat.max() == 1.0
    assert abs(np.corrcoef(flat[:, 0], points[:, 0])[0, 1]) > 0.99


def test_the_scatter_is_valid_svg_with_escaped_labels_and_members_drawn_in_their_own_group():
    svg = ET.fromstring(
        str(scatter_map([(0.1, 0.2, False), (0.5, 0.5, True)], label="<b>map</b>", highlight="issue", rest="rest"))
    )

    assert svg.find(f"{SVG}title").text == "<b>map</b>"
    groups = {
        g.get("class"): len(g.findall(f"{SVG}circle"))
        for g in svg.iter(f"{SVG}g")
        if g.get("class") in ("member", "other")
    }
    assert groups == {"member": 1, "other": 1}


async def test_the_issue_map_marks_its_members_among_the_apps_kept_points(browser_as, gateway):
    engine = gateway.services.engine
    issue_id = await issue_with_examples(engine)
    detail = await gateway.services.issue_service.get(issue_id)
    assert detail is not None
    member = detail.member_ids[0]
    coordinates = {member: np.array([1, 2, 3, 4, 5], dtype=np.float32)}
    coordinates.update({f"other-{n}": np.array([n, -n, n * 2, 0, 1], dtype=np.float32) for n in range(20)})
    viewer = await browser_as("vic", Role.VIEWER)

    before = parse((await viewer.get(f"/admin/issues/{issue_id}/map")).text)
    await ReductionFitStore(engine).replace("shop", ReductionFit(coordinates, "fp"))
    response = await viewer.get(f"/admin/issues/{issue_id}/map")

    assert before.find(data_testid="map-missing").text.startswith("No map yet")
    assert response.status_code == 200
    svg = ET.fromstring(response.text.split('<div class="chart-box map-box">')[1].split("</div>")[0])
    groups = {
        g.get("class"): len(g.findall(f"{SVG}circle"))
        for g in svg.iter(f"{SVG}g")
        if g.get("class") in ("member", "other")
    }
    assert groups == {"member": 1, "other": 20}
    assert "1 of this issue's complaints (red) among 21" in parse(response.text).find(data_testid="feedback-map").text
