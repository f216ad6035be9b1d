"""Honest failures on the command line (issue 20 items 2 and 9), with the real `docnav` console
script in a subprocess (stderr is a pipe, not a terminal, as in scripts and CI)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

DOCNAV = Path(sys.executable).with_name("docnav")
EXIT_LLM_UNAVAILABLE = 69  # documented in `docnav ask --help` and the README


def run(*args: str, home: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full = {**os.environ, "DOCNAV_HOME": str(home), **(env or {})}
    return subprocess.run(
        [str(DOCNAV), *args], capture_output=True, text=True, env=full, timeout=300
    )


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens here once the socket closes


def test_each_failed_file_is_reported_once_when_not_a_terminal(tmp_path: Path) -> None:
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7\n garbage")
    odd = tmp_path / "[odd] name.pdf"  # rich markup characters in a file name
    odd.write_bytes(b"%PDF-1.7\n garbage")
    proc = run("ingest", str(bad), str(odd), str(tmp_path / "nope.pdf"), home=tmp_path / "h")
    assert proc.returncode == 1
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("failed ")]
    assert len(lines) == 3, proc.stderr  # was 6: every failure printed twice
    assert sum("broken.pdf: corrupt or truncated PDF" in ln for ln in lines) == 1
    assert sum("[odd] name.pdf" in ln for ln in lines) == 1
    assert sum("nope.pdf: no such file or folder" in ln for ln in lines) == 1
    assert "3 failed" in proc.stdout


@pytest.mark.parametrize("mode", ["agent", "closed-book"])
def test_ask_with_the_llm_server_down_is_an_error(tmp_path: Path, mode: str) -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    env = {
        "DOCNAV_LLM_BACKEND": "openai",
        "DOCNAV_LLM_BASE_URL": url,
        "DOCNAV_LLM_MODEL": "any",
        "DOCNAV_LLM_MAX_RETRIES": "0",
    }
    proc = run("ask", "What was revenue?", "--mode", mode, home=tmp_path / "h", env=env)
    assert proc.returncode == EXIT_LLM_UNAVAILABLE, proc.stdout + proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, proc.stderr  # one line
    assert "unavailable" in errors[0] and "no answer" in errors[0]
    assert url in errors[0]  # the local user set the URL; it helps them fix it
    assert "No answer" not in proc.stdout  # no answer printed as if it were one
    # --json: nothing on stdout to mistake for an Answer
    js = run("ask", "What was revenue?", "--mode", mode, "--json", home=tmp_path / "h", env=env)
    assert js.returncode == EXIT_LLM_UNAVAILABLE and not js.stdout.strip()
