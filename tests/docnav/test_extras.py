"""Optional dependencies: a benchmark chart without matplotlib (the ``bench`` extra) is a
DocnavError naming the extra (the CLI prints it and exits 1), and the commands a new user runs
first import no matplotlib at all."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from docnav.errors import DocnavError
from docnav.extras import MissingExtraError, pyplot, require


def test_missing_extra_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    with pytest.raises(MissingExtraError, match=r"pip install 'docnav\[bench\]'") as e:
        pyplot()
    assert isinstance(e.value, DocnavError) and "matplotlib" in str(e.value)
    from docnav.bench.retrieval import plot

    with pytest.raises(MissingExtraError, match=r"docnav\[bench\]"):  # a benchmark's charts
        plot({}, tmp_path)


def test_require_returns_the_module() -> None:
    import json

    assert require("json", "none", "a test") is json


def test_first_commands_import_no_matplotlib() -> None:
    """The demo, the server app and the MCP server: matplotlib is not needed to import them."""
    code = (
        "import sys\n"
        "import docnav.demo, docnav.serving.app, docnav.mcp_server, docnav.synth.generate\n"
        "import docnav.bench.judge, docnav.bench.datasets  # what docnav demo imports later\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_bench_command_without_matplotlib_says_which_extra(tmp_path: Path) -> None:
    """`docnav bench report` over a committed run, matplotlib made unimportable: exit code 1
    and one line naming the extra, not a traceback."""
    repo = Path(__file__).resolve().parents[2]
    run = tmp_path / "run"
    shutil.copytree(repo / "results" / "answers-synth", run)
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "from docnav.cli import app\n"
        f"app(['bench', 'report', {str(run)!r}], prog_name='docnav')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 1, out.stderr[-2000:]
    assert "pip install 'docnav[bench]'" in out.stderr and "Traceback" not in out.stderr
