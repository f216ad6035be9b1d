"""Executes notebooks/docnav_analyst.ipynb top to bottom (nbclient, a real kernel) on four
FinanceBench 10-Ks in a temporary DOCNAV_HOME. No LLM call (``DOCNAV_NOTEBOOK_ASK=0``): the
ingestion, facts DataFrame, chart, search and page read take seconds; the ask cell's model
call would take minutes on a CI CPU, and the tour notebook already runs rag and agent with the
embedded model."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "docnav_analyst.ipynb"


@pytest.mark.shared
@pytest.mark.timeout(600)
def test_analyst_notebook_runs_top_to_bottom(
    fb_pdfs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("DOCNAV_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DOCNAV_SHARED", str(fb_pdfs.parent.parent))
    monkeypatch.setenv("DOCNAV_NOTEBOOK_ASK", "0")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        "commit the notebook with empty outputs (python notebooks/make_docnav_analyst.py)"
    )
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    try:
        client.execute()
    finally:  # the executed copy, to read when something fails
        nbformat.write(nb, tmp_path / "docnav_analyst.executed.ipynb")
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "\n".join(
        o.get("text", "")
        + o.get("data", {}).get("text/plain", "")
        + o.get("data", {}).get("text/markdown", "")
        for o in outputs
    )
    assert "4 files, 0 failed" in text
    # the statement facts, as printed in the 10-Ks (USD millions)
    for figure in ("141576", "118719", "42879", "39403"):  # Costco FY2018/16, Best Buy FY2019/17
        assert figure in text.replace(",", "").replace(".0", ""), figure
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the chart was drawn
    # search hits are links to the cited page of the source PDF
    assert "BESTBUY_2019_10K.pdf#page=" in text
    assert "ask skipped" in text
