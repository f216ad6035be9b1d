"""Fuzzing ``parse_file`` (PDF / HTML / .txt / .md): every input is parsed or refused with an
IngestError, never another exception, a native crash or a hang.

- a bounded atheris run (25 s, libFuzzer seed 1, seeded from small real files) in CI;
- every input a longer run found (results/fuzz/findings/*.input, `docnav bench fuzz`)
  replayed as a regression case.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docnav.errors import IngestError

REPO = Path(__file__).resolve().parents[2]
FOUND = REPO / "results" / "fuzz" / "findings"
SUFFIXES = (".pdf", ".html", ".txt", ".md")  # as bench/fuzz_ingest.py: first byte picks one


def _describe(findings: list[dict]) -> str:
    return "\n\n".join(
        f"{f['kind']} at {f['where']} ({f['suffix']}, {f['input_bytes']} bytes): {f['message']}\n"
        f"{f['traceback'][-1200:]}"
        for f in findings
    )


@pytest.mark.slow
def test_fuzz_parse_file_bounded(tmp_path):
    pytest.importorskip("atheris", reason="atheris is in the dev extra: pip install -e '.[dev]'")
    from docnav.bench.fuzz import run_fuzz

    r = run_fuzz(25, tmp_path / "fuzz", seed=1)
    assert r["return_code"] == 0 and not r["native_crashes"], r["log_tail"]
    assert (r["number_of_executed_units"] or 0) >= 100, r  # it really ran
    assert r["corpus_after"] > r["seed_inputs"]  # and found new paths
    assert r["findings"] == [], _describe(r["findings"])


@pytest.mark.parametrize(
    "path", sorted(FOUND.glob("*.input")) or [None], ids=lambda p: p.stem if p else "none"
)
def test_fuzz_findings_replay(path: Path | None, tmp_path):
    """Inputs that once crashed parse_file now parse or give a clean IngestError."""
    if path is None:
        pytest.skip("no fuzz findings committed")
    from docnav.ingestion.pipeline import IngestOptions, parse_file

    data = path.read_bytes()
    what = json.loads(path.with_suffix(".json").read_text())
    f = tmp_path / f"input{SUFFIXES[data[0] % len(SUFFIXES)]}"
    f.write_bytes(data[1:])
    try:
        parse_file(f, IngestOptions(max_pages=200, edgartools_check=False))
    except IngestError as exc:
        assert "\n" not in str(exc), exc  # a one-line reason
    # any other exception fails the test with its traceback (the finding: what["where"])
    assert what["kind"]
