"""`docnav ingest -j 2` killed with SIGKILL: its parse workers die with it (issue 20, case 3).
Before the fix they were reparented and blocked on their task pipe forever."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.shared

BIG = ["BESTBUY_2023_10K.pdf", "AMCOR_2023_10K.pdf", "3M_2018_10K.pdf", "PEPSICO_2022_10K.pdf"]


def _workers(parent: psutil.Process, timeout: float) -> list[psutil.Process]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        kids = parent.children(recursive=True)
        if len(kids) >= 2:
            return kids
        time.sleep(0.1)
    pytest.fail("the ingest process started no workers")


def test_workers_die_with_a_killed_parent(fb_pdfs: Path, tmp_path: Path) -> None:
    files = [str(fb_pdfs / n) for n in BIG if (fb_pdfs / n).exists()]
    assert len(files) >= 2
    docnav = Path(sys.executable).with_name("docnav")
    env = {**os.environ, "DOCNAV_HOME": str(tmp_path / "home")}
    proc = subprocess.Popen(
        [str(docnav), "ingest", "-j", "2", *files],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        kids = _workers(psutil.Process(proc.pid), timeout=60)
        time.sleep(0.5)  # let them take a task: the reported hang was a worker mid-pipe
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        gone, alive = psutil.wait_procs(kids, timeout=15)
        assert not alive, f"workers outlived their parent: {[p.pid for p in alive]}"
    finally:
        for p in psutil.Process().children(recursive=True):
            p.kill()
