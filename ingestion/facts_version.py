"""The statement-facts extractor's version, stored beside each version folder's facts.

Facts are computed once, at ingestion or by a backfill, and kept with the filing version.
When extraction changes (how rows, labels, periods or units are read), facts stored earlier
are stale: :data:`FACTS_VERSION` is bumped with such a change, written to ``facts_meta.json``
next to ``facts.jsonl``, and a backfill without ``force`` rebuilds every version whose meta
says older (or is missing: stores made before the version existed).
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

__all__ = ["FACTS_META", "FACTS_VERSION", "facts_version_of", "is_stale", "write_facts_meta"]

# 1: the first stored facts (no meta file was written: a missing meta reads as 1)
# 2: rows under a block heading carry it in their normalised label ("Cost of revenue -
#    Product"); MD&A tables give facts; a lease term in years is no longer money
# 3: a line of values printed with no label under a block's rows, each the sum of the block
#    in its column, is the block's total ("Total Revenues")
FACTS_VERSION = 3
FACTS_META = "facts_meta.json"


def facts_version_of(folder: Path) -> int | None:
    """The extractor version that wrote the facts in ``folder``: None when there are no
    facts at all, 1 for facts written before versions were recorded."""
    if not (folder / "facts.jsonl").exists():
        return None
    meta = folder / FACTS_META
    if not meta.exists():
        return 1
    try:
        return int(json.loads(meta.read_text(encoding="utf-8"))["version"])
    except (ValueError, KeyError, TypeError):
        return 1  # unreadable meta: treated as old, so a backfill rewrites it


def is_stale(folder: Path) -> bool:
    """Facts present but written by an older extractor."""
    v = facts_version_of(folder)
    return v is not None and v < FACTS_VERSION


def write_facts_meta(folder: Path, version: int = FACTS_VERSION) -> None:
    """Atomically (a temporary file renamed over the old one), as the store writes."""
    tmp = folder / f".facts_meta.{uuid.uuid4().hex[:8]}.tmp"
    tmp.write_text(json.dumps({"version": version}), encoding="utf-8")
    os.replace(tmp, folder / FACTS_META)
