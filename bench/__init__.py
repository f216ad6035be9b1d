"""Benchmarks: ingestion speed and structure quality, retrieval evidence recall.

Results are committed under bench/results/ with the command that made them.
"""

import subprocess


def git_commit() -> str | None:
    """The short commit the benchmark ran at (None outside a git checkout)."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None
