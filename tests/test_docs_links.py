"""Every relative link in the documentation leads somewhere: README.md, docs/*.md and benchmarks/README-*.md.

A link names a file that exists (relative to the page it is on), and an anchor that the target page has under
GitHub's rules for heading anchors (lowercase, punctuation dropped, spaces as hyphens, repeats numbered).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "benchmarks").glob("README-*.md"))]
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} (.+?) *#*$", re.MULTILINE)


def prose(text: str) -> str:
    """The page without its code, where brackets and parentheses are not links."""
    return INLINE_CODE.sub("", FENCE.sub("", text))


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: its text lowercased, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "")
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every heading anchor of `page`, a repeated heading's numbered as GitHub numbers them (`-1`, `-2`…)."""
    seen: Counter[str] = Counter()
    found = set()
    for heading in HEADING.findall(FENCE.sub("", page.read_text())):
        anchor = github_anchor(heading)
        found.add(f"{anchor}-{seen[anchor]}" if seen[anchor] else anchor)
        seen[anchor] += 1
    return found


def relative_links() -> list[tuple[Path, str, str]]:
    """(page, path, anchor) of every link that is not to another site; an in-page link's path is ''."""
    links = []
    for page in PAGES:
        for target in LINK.findall(prose(page.read_text())):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):
                continue
            path, _, anchor = target.partition("#")
            links.append((page, path, anchor))
    return links


def target_of(page: Path, path: str) -> Path:
    return (page.parent / path).resolve() if path else page


def test_the_documentation_pages_hold_relative_links():
    assert len(relative_links()) > 100


def test_every_relative_link_names_a_file_that_exists():
    broken = [
        f"{page.relative_to(ROOT)}: {path}" for page, path, _ in relative_links() if not target_of(page, path).exists()
    ]

    assert not broken, "links to files that do not exist:\n" + "\n".join(broken)


def test_every_anchor_a_link_names_is_a_heading_of_its_page():
    broken = [
        f"{page.relative_to(ROOT)}: {path}#{anchor}"
        for page, path, anchor in relative_links()
        if anchor and target_of(page, path).is_file() and anchor not in anchors(target_of(page, path))
    ]

    assert not broken, "links to anchors their page has no heading for:\n" + "\n".join(broken)
