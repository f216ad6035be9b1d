"""Executes notebooks/docnav_tour.ipynb top to bottom (nbclient, a real kernel) on the
synthetic corpus with the embedded 0.5B model, in a temporary DOCNAV_HOME. Slow: it ingests and
embeds the corpus and asks about ten questions on the CPU."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "docnav_tour.ipynb"
SMALL_MODEL = "qwen2.5-coder-0.5b"


def seed_model(home: Path, gguf: Path) -> None:
    """Link the test cache's assembled 0.5B GGUF into ``home/models``, so each test does not
    copy 470 MB."""
    from docnav.agent.llm.gguf import MODELS

    (home / "models").mkdir(parents=True, exist_ok=True)
    (home / "models" / MODELS[SMALL_MODEL].filename).symlink_to(gguf)


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_tour_notebook_runs_top_to_bottom(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_gguf: Path, llama_cpp_installed: None
) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    home = tmp_path / "home"
    seed_model(home, small_gguf)
    monkeypatch.setenv("DOCNAV_HOME", str(home))
    monkeypatch.setenv("DOCNAV_LLM_MODEL", SMALL_MODEL)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        "commit the notebook with empty outputs (python notebooks/make_docnav_tour.py)"
    )
    # kernel "python3": jupyter_client starts it with this interpreter (sys.executable)
    client = nbclient.NotebookClient(
        nb, timeout=1800, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    try:
        client.execute()
    finally:  # the executed copy, to read when something fails
        nbformat.write(nb, tmp_path / "docnav_tour.executed.ipynb")
    text = "\n".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
    )
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    assert "44 planted questions" in text  # small_config(seed 0): the corpus the demo uses
    assert "0 failed" in text and "10 filings" in text
    assert "first evidence hit (rank)" in text
    assert "rag:" in text and "agent:" in text
    # the plot was drawn: a PNG came back from the last cell
    assert any("image/png" in o.get("data", {}) for o in nb.cells[-1].outputs)
    assert (home / "demo" / "store").is_dir()
