"""The README's embedding example runs as written."""

from __future__ import annotations

import re

from support import PROJECT_ROOT


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def test_readme_embedding_example_runs_as_written(tmp_path, monkeypatch, capsys):
    blocks = python_blocks((PROJECT_ROOT / "README.md").read_text())
    assert blocks, "the README has no python example"
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SETU_PLANNING_DB", raising=False)
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {"__name__": "readme"})
    printed = capsys.readouterr().out.splitlines()
    assert [line.split()[2] for line in printed] == ["Submitted", "LineAdded"]
    assert (tmp_path / "planning.sqlite3").exists()
