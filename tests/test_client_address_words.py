"""What the configuration's words say of the client-address headers is what gateway/api/client_address.py does.

They said the header's last entry is used; the code reads its entries from the right, past every trusted proxy's,
so behind two proxies the browser is the entry before the inner proxy's, not the last one
(tests/admin_ui/test_sign_in_behind_a_proxy.py pins that).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parent.parent
# Where an operator reads how the header is read: the docs' pages that tell it, the example config, the settings' comments.
PLACES = (
    "docs/feedback.md",
    "docs/admin-pages.md",
    "docs/configuration.md",
    "feedgate.example.toml",
    "gateway/config_admin.py",
    "gateway/config_feedback.py",
)


def descriptions() -> dict[str, list[str]]:
    """Per place, the words around each mention of a client-address header setting that tell how its entries are read."""
    found: dict[str, list[str]] = {}
    for place in PLACES:
        text = " ".join((ROOT / place).read_text().replace("#", " ").split())
        windows = [
            text[max(0, m.start() - 250) : m.end() + 250] for m in re.finditer("client_address_header", text, re.I)
        ]
        found[place] = [window.lower() for window in windows if "entr" in window]
    return found


def test_every_description_of_the_header_says_it_is_read_from_the_right_past_trusted_proxies():
    found = descriptions()

    assert all(found.values()), f"a place no longer tells how the header is read: {found}"
    for place, windows in found.items():
        for window in windows:
            assert not re.search(r"last (comma-separated )?entry", window), (place, window)
            assert "from the right" in window and re.search("trusted[ _]prox", window), (place, window)
