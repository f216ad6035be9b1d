"""The facts tool shows a row under a block heading with that heading ("Current assets -
Cash and cash equivalents"), exactly as the guided agent's facts view does (one shared
definition). Real FinanceBench 10-Q."""

from __future__ import annotations

import shutil
from pathlib import Path

from docnav.agent import facts_view
from docnav.ingestion.facts_labels import shown_label
from docnav.ingestion.pipeline import IngestOptions, ingest_paths
from docnav.ingestion.store import CorpusStore
from docnav.tools.facts import find_facts, format_rows


def test_rows_under_a_heading_show_it(fb_pdfs: Path, tmp_path: Path) -> None:
    src = tmp_path / "q.pdf"
    shutil.copyfile(fb_pdfs / "BESTBUY_2024Q2_10Q.pdf", src)
    store = CorpusStore(tmp_path / "s")
    (doc_id,) = [
        r.doc_id for r in ingest_paths(store, [src], IngestOptions(edgartools_check=False)).files
    ]
    rows = find_facts(store, doc=doc_id, metric="cash and cash equivalents", limit=20)
    under = [r for r in rows if r.heading == "Current assets"]
    assert under, [(r.label, r.heading) for r in rows]
    line = format_rows(under[:1])[0]
    assert "] Current assets - Cash and cash equivalents: " in line, line

    # the agent's view and the tool say it the same way
    assert facts_view.shown_label is shown_label
    fact = next(
        f
        for f in store.facts(doc_id)
        if f.label == under[0].label
        and f.page + 1 == under[0].page
        and f.norm_label
        and f.norm_label.startswith("current asset")
    )
    assert shown_label(fact) == "Current assets - Cash and cash equivalents"
    # a row without a heading is shown as printed
    rows = find_facts(store, doc=doc_id, metric="net earnings", limit=20)
    plain = next(r for r in rows if not r.heading)
    assert f"] {plain.label}: " in format_rows([plain])[0]
