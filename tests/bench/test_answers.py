"""`docnav bench answers` machinery on a real store (two real filings, real BM25): resumability
after an interrupt and a torn line, timeouts, errors retried, config pinning, reports, compare.
The chat model here is the scripted fake (unit tests only); test_answers_real.py runs the real
0.5B model end to end."""

from __future__ import annotations

import importlib.util
import json
import shutil
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from docnav.bench.answers import ModelSpec, RunConfig, read_rows, run_answers
from docnav.bench.answers_report import write_report
from docnav.bench.compare import compare_runs, render_comparison
from docnav.engine import Engine
from docnav.errors import DocnavError
from docnav.settings import Settings

_spec = importlib.util.spec_from_file_location(
    "agent_fakes", Path(__file__).resolve().parents[1] / "agent" / "fakes.py"
)
fakes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fakes)  # type: ignore[union-attr]

REPO = Path(__file__).resolve().parents[2]
PAPER = REPO.parent / "shared" / "financebench" / "paper_results"


@pytest.fixture(scope="module")
def store_home(tmp_path_factory: pytest.TempPathFactory, fb_pdfs: Path) -> Path:
    src = tmp_path_factory.mktemp("in")
    for name, new in (
        ("AMCOR_2023Q4_EARNINGS.pdf", "earnings.pdf"),
        ("BESTBUY_2024Q2_10Q.pdf", "quarterly.pdf"),
    ):
        shutil.copyfile(fb_pdfs / name, src / new)
    home = tmp_path_factory.mktemp("home")
    Engine(Settings(home=home)).ingest([src])
    return home


def _engine(home: Path, turns: list) -> Engine:
    eng = Engine(Settings(home=home, rag_mode="bm25", rag_k=3))
    eng.chat_model = fakes.ScriptedChatModel(turns)
    return eng


def _questions(path: Path, n: int) -> Path:
    rows = [
        {
            "id": f"q{i}",
            "question": f"What was Best Buy's revenue in quarter {i}?",
            "answer": "$9,583 million",
            "doc_names": ["quarterly"],
            "evidence": [{"doc_name": "quarterly", "page": 3}],
            "question_type": "extraction" if i % 2 else "calculation",
        }
        for i in range(1, n + 1)
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def _final(text: str = "Revenue was $9,583 million.", value: float | None = 9583.0):
    return fakes.call("final_answer", answer=text, value=value, unit="USD millions", citations=[])


def _interrupt(_messages):
    raise KeyboardInterrupt


def test_interrupted_run_resumes_without_duplicates_or_losses(
    store_home: Path, tmp_path: Path
) -> None:
    qfile = _questions(tmp_path / "q.jsonl", 4)
    cfg = RunConfig(
        questions=qfile,
        modes=["closed-book", "rag-single"],
        out=tmp_path / "run",
        judge="none",
        paper_results=None,
    )
    eng = _engine(store_home, [_final(), _final(), _interrupt])
    with pytest.raises(KeyboardInterrupt):
        run_answers(cfg, engine=eng, judge=None)
    path = cfg.out / "answers.jsonl"
    first = path.read_text().splitlines()
    assert [(json.loads(x)["id"], json.loads(x)["variant"]) for x in first] == [
        ("q1", "closed-book"),
        ("q1", "rag-single"),
    ]
    with path.open("a") as fh:  # a kill -9 in the middle of writing a line
        fh.write('{"id": "q2", "variant": "closed-b')
    eng2 = _engine(store_home, [_final() for _ in range(6)])
    run_answers(cfg, engine=eng2, judge=None)
    assert not eng2.chat_model.turns  # exactly the 6 missing answers were asked for
    rows, bad = read_rows(path)
    assert bad == 1
    keys = [(r["id"], r["variant"]) for r in rows]
    assert len(keys) == len(set(keys)) == 8
    assert path.read_text().splitlines()[:2] == first  # earlier results untouched
    assert all(r["status"] == "ok" for r in rows)
    rag = next(r for r in rows if r["variant"] == "rag-single")
    assert rag["pages_read"] and all(doc == "quarterly" for doc, _ in rag["pages_read"])
    assert rag["verdict"]["checker"] == "numeric" and rag["verdict"]["outcome"] == "correct"
    # a third run has nothing left to do and asks nothing
    eng3 = _engine(store_home, [])
    run_answers(cfg, engine=eng3, judge=None)
    assert len(path.read_text().splitlines()) == 9  # 8 rows + the torn line


def test_each_start_is_kept_and_the_report_reproduces_every_mode(
    store_home: Path, tmp_path: Path
) -> None:
    # a run built in two starts with different modes: run.json keeps both commands, and the
    # report's reproduce command asks for every mode the results hold, not only the last start's
    qfile = _questions(tmp_path / "q.jsonl", 1)
    base = RunConfig(
        questions=qfile,
        modes=["closed-book"],
        out=tmp_path / "run",
        judge="none",
        paper_results=None,
        command="docnav bench answers --modes closed-book",
    )
    run_answers(base, engine=_engine(store_home, [_final()]), judge=None)
    more = base.model_copy(update={"modes": ["rag"], "command": "docnav bench answers --modes rag"})
    run_answers(more, engine=_engine(store_home, [_final()]), judge=None)
    runs = json.loads((base.out / "run.json").read_text())["runs"]
    assert [r["command"] for r in runs] == [base.command, more.command]
    assert [r["modes"] for r in runs] == [["closed-book"], ["rag"]]
    write_report(base.out)
    md = (base.out / "report.md").read_text()
    assert "run in 2 starts" in md and f"`{base.command}`" in md
    repro = md.split("## Reproduce", 1)[1]
    assert "docnav bench answers --modes closed-book,rag" in repro
    assert "--modes rag " not in repro and "--modes closed-book\n" not in repro


def test_timeout_error_and_retry(store_home: Path, tmp_path: Path) -> None:
    qfile = tmp_path / "q.jsonl"
    qfile.write_text(
        json.dumps({"id": "slow", "question": "Revenue?", "answer": "$1 million"})
        + "\n"
        + json.dumps({"id": "nodoc", "question": "Revenue?", "answer": "$1 million"})
        + "\n"
    )

    def slow(_messages):
        time.sleep(1.5)
        return _final()

    cfg = RunConfig(
        questions=qfile,
        modes=["closed-book", "oracle"],
        out=tmp_path / "run",
        judge="none",
        timeout_s=0.3,
        paper_results=None,
    )
    run_answers(cfg, engine=_engine(store_home, [slow, _final()]), judge=None)
    rows = {(r["id"], r["variant"]): r for r in read_rows(cfg.out / "answers.jsonl")[0]}
    assert rows[("slow", "closed-book")]["status"] == "timeout"
    assert rows[("nodoc", "oracle")]["status"] == "error"
    assert (
        "evidence pages" in rows[("nodoc", "oracle")]["error"]
        or "filing" in rows[("nodoc", "oracle")]["error"]
    )
    time.sleep(1.5)  # let the abandoned call finish before the next run
    # timeouts are kept, errors retried; --retry-timeouts reruns the slow one too
    eng = _engine(store_home, [_final()])
    cfg2 = cfg.model_copy(update={"retry_timeouts": True, "timeout_s": 30})
    run_answers(cfg2, engine=eng, judge=None)
    rows = {(r["id"], r["variant"]): r for r in read_rows(cfg.out / "answers.jsonl")[0]}
    assert rows[("slow", "closed-book")]["status"] == "ok"
    assert rows[("nodoc", "oracle")]["status"] == "error"  # still no evidence pages


def test_rerun_with_another_model_is_refused(store_home: Path, tmp_path: Path) -> None:
    qfile = _questions(tmp_path / "q.jsonl", 1)
    cfg = RunConfig(
        questions=qfile,
        modes=["closed-book"],
        out=tmp_path / "run",
        judge="none",
        paper_results=None,
    )
    run_answers(cfg, engine=_engine(store_home, [_final()]), judge=None)
    other = cfg.model_copy(update={"llm": ModelSpec(backend="openai", model="x")})
    with pytest.raises(DocnavError, match="another configuration"):
        run_answers(other.model_copy(update={"limit": 1}), engine=_engine(store_home, []))


def test_unknown_mode_and_ids_are_clear_errors(tmp_path: Path) -> None:
    qfile = _questions(tmp_path / "q.jsonl", 2)
    with pytest.raises(DocnavError, match="unknown mode"):
        run_answers(RunConfig(questions=qfile, modes=["rag", "magic"], out=tmp_path / "r"))
    with pytest.raises(DocnavError, match="unknown question ids"):
        run_answers(RunConfig(questions=qfile, ids=["q9"], out=tmp_path / "r"))
    from docnav.cli import app

    res = CliRunner().invoke(
        app,
        [
            "bench",
            "answers",
            "--questions",
            str(qfile),
            "--modes",
            "magic",
            "--out",
            str(tmp_path / "r2"),
        ],
    )
    assert res.exit_code == 1 and "unknown mode" in res.output and "Traceback" not in res.output


# -- reports from a small results file ---------------------------------------------------------


def _row(qid, variant, outcome, pages, checker="numeric", tokens=(1000, 50), wall=2.0, cites=()):
    return {
        "id": qid,
        "variant": variant,
        "mode": variant.split("-")[0],
        "status": "ok",
        "question": f"question {qid}",
        "gold": "$1577.00",
        "question_type": "metrics-generated",
        "question_reasoning": "Information extraction",
        "evidence": [["3M_2018_10K", 60]],
        "pages_read": pages,
        "wall_s": wall,
        "answer": {
            "answer": f"answer {qid} {variant}",
            "model": "m",
            "citations": [{"doc_name": d, "page": p, "verified": True} for d, p in cites],
            "trace": {
                "llm_calls": 1 if variant == "rag" else 4,
                "tool_calls": 0 if variant == "rag" else 3,
                "tokens_in": tokens[0],
                "tokens_out": tokens[1],
                "steps": [{"kind": "tool", "tool": "grep"}] if variant == "agent" else [],
            },
        },
        "verdict": {"outcome": outcome, "checker": checker, "detail": ""},
    }


def _write_run(folder: Path, rows: list[dict]) -> Path:
    folder.mkdir(parents=True)
    (folder / "answers.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return folder


def test_report_from_a_small_results_file(tmp_path: Path) -> None:
    a, b = "financebench_id_03029", "financebench_id_04672"
    rows = [
        _row(a, "rag", "correct", [["3M_2018_10K", 60]], cites=[("3M_2018_10K", 60)]),
        _row(b, "rag", "refusal", [["3M_2018_10K", 12]], checker="refusal"),
        _row(
            a,
            "agent",
            "correct",
            [["3M_2018_10K", 60], ["3M_2018_10K", 61]],
            tokens=(9000, 300),
            wall=20.0,
            cites=[("3M_2018_10K", 61)],
        ),
        _row(b, "agent", "correct", [["3M_2018_10K", 60]], tokens=(7000, 200), wall=30.0),
    ]
    run = _write_run(tmp_path / "run", rows)
    res = write_report(
        run, price_in=1.0, price_out=2.0, paper_results=PAPER if PAPER.is_dir() else None
    )
    m = res["metrics"]
    assert m["rag"]["accuracy"] == 0.5 and m["rag"]["refusal_rate"] == 0.5
    assert m["agent"]["accuracy"] == 1.0
    assert m["rag"]["evidence_recall_any"] == 0.5 and m["agent"]["evidence_recall_any"] == 1.0
    assert m["agent"]["citations"] == 1 and m["agent"]["citations_on_gold_page"] == 0
    assert m["rag"]["citations_on_gold_page"] == 1
    assert m["agent"]["latency_p50_s"] in (20.0, 30.0) and m["agent"]["latency_p95_s"] == 30.0
    assert m["agent"]["tokens_in_mean"] == 8000
    # $ per 1,000 questions: 1000 × (8000 × $1 + 250 × $2) / 1e6
    assert m["agent"]["cost_per_1000_usd"] == pytest.approx(8.5)
    dis = res["disagreements"]["rag vs agent"]
    assert [d["id"] for d in dis] == [b]
    assert dis[0]["rag"]["read_gold_page"] is False and dis[0]["agent"]["read_gold_page"] is True
    md = (run / "report.md").read_text()
    assert "| rag | 2 | 50.0 |" in md and "| agent | 2 | 100.0 |" in md
    assert "Where rag and agent disagree (1 questions)" in md
    for png in ("accuracy_by_mode.png", "accuracy_vs_cost.png", "evidence_recall.png"):
        assert (run / png).stat().st_size > 1000
    assert m["rag"]["by_failure_mode"] == {}  # FinanceBench rows: no planted failure modes
    assert not (run / "accuracy_by_failure_mode.png").exists()
    assert json.loads((run / "results.json").read_text())["metrics"]["rag"]["n"] == 2
    if PAPER.is_dir():  # the paper's figures, recomputed on these two questions
        labels = [
            json.loads(x)["label"]
            for x in (PAPER / "gpt-4_sharedStore.jsonl").read_text().splitlines()
            if json.loads(x)["financebench_id"] in (a, b)
        ]
        got = res["paper_same_ids"]["rag"]["models"]["gpt-4"]["accuracy"]
        assert got == labels.count("Correct Answer") / len(labels)


def test_report_of_a_planted_set_breaks_accuracy_down_by_failure_mode(tmp_path: Path) -> None:
    rows = []
    for qid, fm, rag, agent in (
        ("s1", "temporal", "correct", "correct"),
        ("s2", "fragmentation", "incorrect", "correct"),
        ("s3", "fragmentation", "incorrect", "incorrect"),
    ):
        for variant, outcome in (("rag", rag), ("agent", agent)):
            rows.append(_row(qid, variant, outcome, []) | {"failure_mode": fm})
    run = _write_run(tmp_path / "planted", rows)
    res = write_report(run)
    m = res["metrics"]
    assert m["rag"]["by_failure_mode"] == {"fragmentation": 0.0, "temporal": 1.0}
    assert m["agent"]["by_failure_mode"] == {"fragmentation": 0.5, "temporal": 1.0}
    assert m["agent"]["by_failure_mode_n"] == {"fragmentation": 2, "temporal": 1}
    md = (run / "report.md").read_text()
    assert "| fragmentation (n=2) | 0.0 | 50.0 |" in md
    assert (run / "accuracy_by_failure_mode.png").stat().st_size > 1000


def test_modes_run_on_fewer_questions_are_compared_on_their_own(tmp_path: Path) -> None:
    # rag on 3 questions, the agent stopped after 2, long-context skipped where it did not fit
    rows = [
        _row("q1", "rag", "incorrect", []),
        _row("q2", "rag", "correct", []),
        _row("q3", "rag", "correct", []),
        _row("q1", "agent", "correct", []),
        _row("q2", "agent", "incorrect", []),
        _row("q1", "long-context", "correct", []),
        _row("q2", "long-context", "correct", []) | {"status": "skipped", "verdict": None},
        _row("q3", "long-context", "correct", []) | {"status": "skipped", "verdict": None},
    ]
    run = _write_run(tmp_path / "uneven", rows)
    res = write_report(run)
    assert res["metrics"]["rag"]["accuracy"] == pytest.approx(2 / 3)
    same = {d["subset_of"]: d for d in res["same_questions"]}
    assert set(same) == {"long-context", "agent"}  # rag ran the most: no subset of its own
    assert same["agent"]["ids"] == ["q1", "q2"]
    assert same["agent"]["accuracy"] == {"rag": 0.5, "agent": 0.5}  # long-context lacks q2
    assert same["long-context"]["accuracy"] == {"rag": 0.0, "agent": 1.0, "long-context": 1.0}
    md = (run / "report.md").read_text()
    assert "## Every mode on the 2 questions agent ran" in md
    assert "| % correct | 50.0 | 50.0 |" in md


def test_compare_two_runs(tmp_path: Path) -> None:
    a = _write_run(
        tmp_path / "a", [_row("q1", "rag", "correct", []), _row("q2", "rag", "incorrect", [])]
    )
    b = _write_run(
        tmp_path / "b",
        [
            _row("q1", "rag", "incorrect", []),
            _row("q2", "rag", "correct", []),
            _row("q1", "agent", "correct", []),
        ],
    )
    cmp = compare_runs(a, b)
    assert cmp["variants"]["rag"]["n"] == 2
    assert {(f["id"], f["a"], f["b"]) for f in cmp["variants"]["rag"]["flips"]} == {
        ("q1", "correct", "incorrect"),
        ("q2", "incorrect", "correct"),
    }
    assert cmp["only_in_b"] == ["agent"]
    text = render_comparison(cmp)
    assert "| rag | 2 | 50.0 → 50.0 |" in text and "+1 / −1" in text
    from docnav.cli import app

    res = CliRunner().invoke(app, ["bench", "compare", str(a), str(b)])
    assert res.exit_code == 0 and "q1 correct→incorrect" in res.output
    res = CliRunner().invoke(app, ["bench", "compare", str(a), str(tmp_path / "missing")])
    assert res.exit_code == 1 and "no results" in res.output


def test_regrade_judges_unjudged_rows_without_answering(store_home: Path, tmp_path: Path) -> None:
    qfile = tmp_path / "q.jsonl"
    qfile.write_text(
        json.dumps({"id": "num", "question": "Revenue?", "answer": "$9,583 million"})
        + "\n"
        + json.dumps({"id": "why", "question": "Why?", "answer": "Lower demand for appliances."})
        + "\n"
    )
    cfg = RunConfig(
        questions=qfile,
        modes=["closed-book"],
        out=tmp_path / "run",
        judge="none",
        paper_results=None,
    )
    eng = _engine(store_home, [_final(), _final("Demand for appliances fell.", None)])
    run_answers(cfg, engine=eng, judge=None)
    rows = {r["id"]: r for r in read_rows(cfg.out / "answers.jsonl")[0]}
    assert rows["why"]["verdict"]["outcome"] == "unjudged"
    from docnav.bench.answers import regrade
    from docnav.bench.judge import Grader

    judge = fakes.ScriptedChatModel([fakes.call("verdict", reason="same cause", verdict="yes")])
    counts = regrade(cfg.out, Grader(judge))
    assert counts == {"rows": 2, "changed": 1, "judged": 1} and not judge.turns
    rows2, _ = read_rows(cfg.out / "answers.jsonl")
    assert len((cfg.out / "answers.jsonl").read_text().splitlines()) == 2
    got = {r["id"]: r["verdict"] for r in rows2}
    assert got["why"] == {
        "outcome": "correct",
        "checker": "judge",
        "detail": "same cause",
        "correct_2_5": None,
    }
    assert got["num"]["checker"] == "numeric" and got["num"]["outcome"] == "correct"
    # the judge's verdict stands on a second regrade (no judge call is made)
    assert regrade(cfg.out, Grader(fakes.ScriptedChatModel([])))["changed"] == 0


def test_concurrency_with_an_http_backend(store_home: Path, tmp_path: Path) -> None:
    qfile = _questions(tmp_path / "q.jsonl", 5)
    cfg = RunConfig(
        questions=qfile,
        modes=["closed-book"],
        out=tmp_path / "run",
        judge="none",
        concurrency=3,
        paper_results=None,
    )
    import threading

    lock, active, peak = threading.Lock(), [0], [0]

    def turn(_messages):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.3)
        with lock:
            active[0] -= 1
        return _final()

    eng = Engine(Settings(home=store_home, llm_backend="openai", llm_base_url="http://x/v1"))
    eng.chat_model = fakes.ScriptedChatModel([turn] * 5)
    run_answers(cfg, engine=eng, judge=None)
    rows, _ = read_rows(cfg.out / "answers.jsonl")
    assert sorted(r["id"] for r in rows) == [f"q{i}" for i in range(1, 6)]
    assert len((cfg.out / "answers.jsonl").read_text().splitlines()) == 5
    assert peak[0] >= 2  # questions were answered in parallel


def test_long_context_skipped_where_the_filing_does_not_fit(
    store_home: Path, tmp_path: Path
) -> None:
    qfile = tmp_path / "q.jsonl"
    qfile.write_text(
        json.dumps(
            {
                "id": "big",
                "question": "Revenue?",
                "answer": "$9,583 million",
                "doc_names": ["quarterly"],
            }
        )
        + "\n"
        + json.dumps(
            {
                "id": "small",
                "question": "Sales?",
                "answer": "$3,400 million",
                "doc_names": ["earnings"],
            }
        )
        + "\n"
    )
    eng = _engine(store_home, [_final("Sales were $3.4 billion.", 3400.0)])
    eng.chat_model.context_window = 14000  # the 10-Q does not fit, the earnings release does
    eng.settings = eng.settings.replace(llm_max_new_tokens=256)
    sizes = {
        d.name: sum(len(eng.store.page_text(d.doc_id, p)) for p in range(d.n_pages)) // 4
        for d in eng.documents()
    }
    assert sizes["quarterly"] > 14000 > sizes["earnings"] + 1100, sizes
    cfg = RunConfig(
        questions=qfile,
        modes=["long-context"],
        out=tmp_path / "run",
        judge="none",
        paper_results=None,
    )
    run_answers(cfg, engine=eng, judge=None)
    rows = {r["id"]: r for r in read_rows(cfg.out / "answers.jsonl")[0]}
    assert rows["big"]["status"] == "skipped" and "does not fit" in rows["big"]["error"]
    assert rows["small"]["status"] == "ok" and rows["small"]["verdict"]["outcome"] == "correct"
    res = write_report(cfg.out)
    m = res["metrics"]["long-context"]
    assert m["n"] == 1 and m["skipped_ids"] == ["big"] and m["ran_ids"] == ["small"]
    assert "ran on the 1 questions whose filing fits" in (cfg.out / "report.md").read_text()
    assert "handcheck.md" not in (cfg.out / "report.md").read_text()
    (cfg.out / "handcheck.md").write_text("# hand check\n")  # written by a person after a run
    write_report(cfg.out)
    assert "read [handcheck.md](handcheck.md) first" in (cfg.out / "report.md").read_text()
    assert "## By hand" not in (cfg.out / "report.md").read_text()  # no labels yet
    (cfg.out / "handcheck.md").write_text(
        "| id | question | gold | long-context |\n|---|---|---|---|\n| small | q | g | **right** |\n"
    )
    res = write_report(cfg.out)  # the labels reach the report, results.json and handcheck.json
    assert res["meta"]["hand"] == {
        "long-context": {"right": 1, "partly": 0, "wrong": 0, "refusal": 0}
    }
    assert "| long-context | 1 | 0 | 0 | 0 | 1 |" in (cfg.out / "report.md").read_text()
    assert json.loads((cfg.out / "handcheck.json").read_text()) == [
        {"id": "small", "mode": "long-context", "label": "right"}
    ]
