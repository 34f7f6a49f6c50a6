"""Every Python example in the documentation runs as written, from the repository root."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(p for p in (ROOT / "docs").glob("*.md") if "```python" in p.read_text())
CODE_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_examples_run(page, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)  # examples name the bundled files by their path in the repository
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for number, block in enumerate(CODE_BLOCK.findall(page.read_text())):
        exec(compile(block, f"{page.name} block {number}", "exec"), namespace)
