"""/static/feedgate.js is joined from its parts in gateway/widget/, in the order docs/feedback.md gives, into one script."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.api.widget_script import widget_script

PARTS = Path(__file__).parent.parent.parent / "gateway" / "widget"
# As docs/feedback.md ("Where the widget's script lives") lists them.
DOCUMENTED_ORDER = ("transport.js", "text.js", "icons.js", "widget.js", "boot.js")


# The script does not depend on the store: one is enough.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_served_script_is_its_parts_joined_in_the_documented_order(gateway_with):
    async with gateway_with() as (_, http):
        response = await http.get("/static/feedgate.js")

    # At the default limit the gateway writes in what the parts already say, so nothing else differs.
    joined = "".join((PARTS / name).read_text(encoding="utf-8") for name in DOCUMENTED_ORDER)
    assert response.status_code == 200
    assert response.text == joined


def test_every_part_is_in_the_documented_order():
    # A part added to gateway/widget/ but not joined in would be code no page runs.
    assert sorted(path.name for path in PARTS.glob("*.js")) == sorted(DOCUMENTED_ORDER)


@pytest.mark.browser
def test_the_joined_script_parses(browser):
    source, _ = widget_script(10_000)
    page = browser.new_page()

    # Compiled, not run: the chromium tests run it on pages; a part that left a brace open fails here by name.
    parsed = page.evaluate(
        "source => { try { new Function(source); return 'parsed'; } catch (e) { return String(e); } }", source.decode()
    )

    assert parsed == "parsed"
    page.close()
