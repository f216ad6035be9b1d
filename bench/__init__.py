"""Benchmarks: ingestion speed and structure quality, retrieval evidence recall.

Results are committed under results/ with the command that made them.
"""

import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

# FinanceBench as the project ships it, beside the checkout (../shared): the default of every
# bench command and run config that reads it (each takes an option to point elsewhere)
FB = Path("../shared/financebench")
FB_PDFS, FB_QUESTIONS = FB / "pdfs", FB / "questions.jsonl"
FB_DOCUMENTS, FB_PAPER = FB / "documents.jsonl", FB / "paper_results"


def git_commit() -> str | None:
    """The short commit the benchmark ran at (None outside a git checkout)."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None


def machine_info() -> dict[str, Any]:
    """Python, platform and CPU count, recorded beside every committed result."""
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }


def machine_line(m: dict[str, Any] | str) -> str:
    """machine_info() as one line for a report (results written before it kept a string)."""
    if isinstance(m, str):
        return m
    return f"{m.get('cpus')} CPUs, {m.get('platform')}, Python {m.get('python')}"
