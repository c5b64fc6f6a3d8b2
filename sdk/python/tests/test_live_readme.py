"""The README examples (the SDK's and the root README's Python SDK section) run as written against the running stack."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import REPO, Stack


@pytest.mark.parametrize("readme", [REPO / "sdk/python/README.md", REPO / "README.md"], ids=["sdk", "root"])
def test_readme_example_runs(readme: Path, stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    blocks = [b for b in re.findall(r"```python\n(.*?)```", readme.read_text("utf-8"), re.S) if "carbonplan_ai" in b]
    assert blocks, f"{readme} has no Python SDK example"
    exec(compile(blocks[0], str(readme), "exec"), {"__name__": "readme_example"})
    printed = capsys.readouterr().out
    assert re.search(r"CL-\d{6}-[0-9A-Z]{5} True", printed), printed
