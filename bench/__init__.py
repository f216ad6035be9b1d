"""Benchmarks: ingestion speed and structure quality, retrieval evidence recall.

Results are committed under bench/results/ with the command that made them.
"""

import os
import platform
import subprocess
import sys
from typing import Any


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
