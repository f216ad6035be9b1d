"""detect_structure output is pinned: two small filings' page text and the exact structure
captured before structure detection was split into phase modules (data/structure_snapshot.json:
a synthetic 10-Q with Parts, Items, statements and Notes; a real FinanceBench 8-K with
exhibits). A change here is a change in behaviour; the whole-corpus check is
``python -m docnav.bench.structure_snapshot`` (see its docstring).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docnav.ingestion.structure import detect_structure

_SNAPSHOT = Path(__file__).parent / "data" / "structure_snapshot.json"
_DOCS = json.loads(_SNAPSHOT.read_text())["docs"]


@pytest.mark.parametrize("doc", _DOCS, ids=[d["name"] for d in _DOCS])
@pytest.mark.parametrize("given_form", [True, False], ids=["form", "guessed"])
def test_structure_matches_snapshot(doc: dict, given_form: bool) -> None:
    form = doc["form"] if given_form else None
    got = detect_structure(list(doc["pages"]), form).model_dump()
    assert got["sections"] == doc["expected"]["sections"]
    assert got["blocks"] == doc["expected"]["blocks"]
