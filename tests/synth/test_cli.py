"""`docnav synth` from the command line."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from docnav.cli import app


def test_synth_small_writes_corpus_and_questions(tmp_path):
    out = tmp_path / "c"
    r = CliRunner().invoke(
        app, ["synth", "--out", str(out), "--small", "--formats", "html", "--json"]
    )
    assert r.exit_code == 0, r.output
    man = json.loads(r.output)
    assert man["filings"] == 10 and man["questions"] > 30
    assert len(list((out / "html").glob("*.html"))) == 10 and not (out / "pdf").exists()
    assert (out / "questions.jsonl").exists() and (out / "documents.jsonl").exists()


def test_synth_bad_options_are_one_line_errors(tmp_path):
    for args in (
        ["--years", "2024-2020"],
        ["--years", "abc"],
        ["--formats", "xml"],
        ["--quarters", "4"],
    ):
        r = CliRunner().invoke(app, ["synth", "--out", str(tmp_path / "x"), *args])
        assert r.exit_code == 1, (args, r.output)
        assert "error:" in r.output and "Traceback" not in r.output
