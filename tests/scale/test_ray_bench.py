"""`docnav bench ray-ingest`'s scaling model and its refusal without a database (the
measured run itself is results/ray-ingest, minutes long)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from docnav.bench.ray_ingest import STAGES, scaling_model
from docnav.cli import app


def test_scaling_model_spreads_the_parallel_work_and_keeps_commits_serial():
    one = dict.fromkeys(STAGES, 0.0) | {"parse": 1.0, "embed": 2.8, "commit": 0.2, "chunks": 20}
    overhead = {"init_s": 5.0, "noop_task_s": 0.1}
    m = scaling_model([one, one], overhead, cold_extra_s=3.0, files=10)
    assert m["parallel_s_per_file"] == pytest.approx(4.0)  # 3.8 of stages + 2 tasks x 0.1
    assert m["startup_s"] == pytest.approx(8.0) and m["n_knee"] == 20
    assert m["predicted_s"][1] == pytest.approx(8.0 + 10 * 4.0)
    assert m["predicted_s"][4] == pytest.approx(8.0 + 10 * 1.0)
    assert m["predicted_s"][64] == pytest.approx(8.0 + 10 * 0.2)  # the commits' floor
    assert m["embed_s_per_chunk"] == pytest.approx(2.8 / 20)


def test_bench_ray_ingest_needs_a_database(tmp_path):
    r = CliRunner().invoke(
        app,
        ["bench", "ray-ingest", "--corpus", str(tmp_path), "--out", str(tmp_path / "o")],
        env={"DOCNAV_DATABASE_URL": ""},
    )
    assert r.exit_code == 1 and "set DOCNAV_DATABASE_URL" in r.output
    assert not (tmp_path / "o").exists()
