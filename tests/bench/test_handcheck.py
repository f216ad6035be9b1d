"""handcheck.json is the machine-readable twin of handcheck.md: the same labels, counted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docnav.bench.handcheck import HandLabel, parse_handcheck, tally

RESULTS = Path(__file__).resolve().parents[2] / "results"


@pytest.mark.parametrize("run", ["answers-dev60", "answers-synth"])
def test_committed_json_matches_the_prose(run: str) -> None:
    d = RESULTS / run
    from_md = parse_handcheck((d / "handcheck.md").read_text(encoding="utf-8"))
    from_json = [HandLabel(**r) for r in json.loads((d / "handcheck.json").read_text())]
    assert from_md == from_json


def test_dev60_tally_is_the_published_one() -> None:
    rows = [
        HandLabel(**r)
        for r in json.loads((RESULTS / "answers-dev60" / "handcheck.json").read_text())
    ]
    t = tally(rows)
    assert (t["rag"]["right"], t["agent"]["right"], t["oracle"]["right"]) == (10, 6, 15)
    assert t["agent"]["refusal"] == 27 and sum(t["agent"].values()) == 60


def test_both_table_shapes_parse() -> None:
    md = """
| id | question | gold | rag | agent |
| --- | --- | --- | --- | --- |
| 001 | q | g | **right**: "1" | refusal: "not found" |

| question | failure mode | mode | gold | by hand | note |
|---|---|---|---|---|---|
| X-1 | temporal | agent | 5 | **partly** | n |
"""
    assert [(r.id, r.mode, r.label) for r in parse_handcheck(md)] == [
        ("001", "rag", "right"),
        ("001", "agent", "refusal"),
        ("X-1", "agent", "partly"),
    ]
