"""The code stays as the formatter and linter leave it, with no per-line opt-outs.

Issue 22 asked for a formatter configuration that needs few `# fmt: skip` markers; the one
that needs none is ruff's own style at the project's line length (pyproject [tool.ruff]).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _ruff() -> list[str]:
    exe = Path(sys.executable).with_name("ruff")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("ruff")
    if found is None:
        pytest.skip("ruff is not installed (it is in the dev extra)")
    return [found]


def test_ruff_format_leaves_the_code_as_it_is() -> None:
    out = subprocess.run(
        [*_ruff(), "format", "--check", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_ruff_lint_passes() -> None:
    out = subprocess.run([*_ruff(), "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_no_formatter_opt_outs() -> None:
    out = subprocess.run(
        ["git", "grep", "-n", "fmt: skip", "--", "*.py", ":!tests/test_style.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.stdout == "", out.stdout
