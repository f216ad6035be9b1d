"""Hand-check labels, machine-readable: ``handcheck.json`` beside ``handcheck.md``.

The prose file stays the record a person reads; this module reads its tables back into
rows of ``{id, mode, label}`` (label: right | partly | wrong | refusal) so reports and
comparisons can count them. Two table shapes are read: one column per mode (dev runs:
``| id | question | gold | closed-book | rag | ... |``) and one row per answer (planted
runs: ``| question | failure mode | mode | ... | by hand | note |``)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pydantic import BaseModel

LABELS = ("right", "partly", "wrong", "refusal")
_MODE_NAMES = {
    "oracle": "oracle",
    "long-context-qfirst": "long-context-qfirst",
    "long-context": "long-context",
}
_FIRST_WORD = re.compile(r"[*\s]*([a-z]+)")


class HandLabel(BaseModel):
    id: str
    mode: str
    label: str


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _label(cell: str) -> str | None:
    m = _FIRST_WORD.match(cell.lower())
    return m.group(1) if m and m.group(1) in LABELS else None


def _mode(head: str) -> str:
    name = head.split("(")[0].strip().lower()
    return _MODE_NAMES.get(name, name)


def _tables(text: str) -> list[list[list[str]]]:
    tables, cur = [], []
    for line in text.splitlines():
        if line.startswith("|"):
            cur.append(_cells(line))
        elif cur:
            tables.append(cur)
            cur = []
    if cur:
        tables.append(cur)
    return tables


def parse_handcheck(text: str) -> list[HandLabel]:
    """Every labelled cell of every answer table in a handcheck.md."""
    rows: list[HandLabel] = []
    for table in _tables(text):
        head, body = table[0], [r for r in table[2:] if len(r) == len(table[0])]
        low = [h.lower() for h in head]
        if low[:1] == ["id"]:  # one column per mode, from the 4th column on
            for r in body:
                rows += [
                    HandLabel(id=r[0], mode=_mode(head[i]), label=lab)
                    for i in range(3, len(head))
                    if (lab := _label(r[i]))
                ]
        elif "mode" in low and "by hand" in low:
            qi, mi, hi = low.index("question"), low.index("mode"), low.index("by hand")
            rows += [
                HandLabel(id=r[qi], mode=r[mi], label=lab) for r in body if (lab := _label(r[hi]))
            ]
    return rows


def write_handcheck_json(run_dir: Path) -> Path:
    """handcheck.md -> handcheck.json in the same folder; returns the path written."""
    rows = parse_handcheck((run_dir / "handcheck.md").read_text(encoding="utf-8"))
    out = run_dir / "handcheck.json"
    out.write_text(json.dumps([r.model_dump() for r in rows], indent=1) + "\n", encoding="utf-8")
    return out


def tally(rows: list[HandLabel]) -> dict[str, dict[str, int]]:
    """mode -> label -> count."""
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        out.setdefault(r.mode, dict.fromkeys(LABELS, 0))[r.label] += 1
    return out
