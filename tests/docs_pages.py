"""The documentation as tests read it: README.md, the docs/ pages, and the code blocks they run as written."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def page(name: str) -> str:
    """The text of one documentation page, named by its path from the repository root (`docs/feedback.md`)."""
    return (ROOT / name).read_text()


def documentation() -> str:
    """README.md and every docs/ page, as one text: where a user looks for a setting or a command."""
    return "\n".join(path.read_text() for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])


def python_block_with(marker: str, name: str) -> str:
    """The one ```python block of page `name` that holds `marker`."""
    [block] = [block for block in PYTHON_BLOCK.findall(page(name)) if marker in block]
    return block
