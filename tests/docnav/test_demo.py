"""`docnav demo`, run as a user would (the console script): the fast checks of its options, and
a slow run with the real 0.5B model on one planted question against a temporary home, twice
(the second run reuses the corpus, the store and the indexes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from docnav.demo import pick_questions
from docnav.questions import FAILURE_MODES, Question

DOCNAV = Path(sys.executable).with_name("docnav")
OUTCOMES = {"correct", "incorrect", "refusal", "unjudged", "error"}


def run(
    *args: str, home: Path, timeout: float = 300, cache: Path | None = None
) -> subprocess.CompletedProcess:
    env = {**os.environ, "DOCNAV_HOME": str(home), "COLUMNS": "200"}
    if cache is not None:  # a fresh model cache: the one-time assembly happens in this run
        env["DOCNAV_MODEL_CACHE"] = str(cache)
    return subprocess.run(
        [str(DOCNAV), "demo", *args], capture_output=True, text=True, env=env, timeout=timeout
    )


def test_corpus_without_questions_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "filings").mkdir()
    p = run("--corpus", str(tmp_path / "filings"), home=tmp_path / "home")
    assert p.returncode == 1
    assert "--corpus needs --questions FILE" in p.stderr
    assert "Traceback" not in p.stderr + p.stdout
    assert not (tmp_path / "home" / "demo").exists()  # nothing built before the check


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--modes", "rag,closed-book"), "--modes takes rag and/or agent"),
        (("--questions", "0"), "--questions takes a count from 1 to 50"),
        (("--questions", "nope.jsonl"), "no such file"),
        (("--fast", "--model", "x.gguf"), "not both"),
    ],
)
def test_bad_options_are_clear_errors(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    p = run(*args, home=tmp_path / "home")
    assert p.returncode == 1 and message in p.stderr, p.stderr
    assert "Traceback" not in p.stderr


def _q(i: int, mode: str | None) -> Question:
    return Question(id=f"q{i}", question="?", answer="1", failure_mode=mode)  # type: ignore[arg-type]


def test_questions_are_picked_round_robin_over_failure_modes() -> None:
    qs = [
        _q(i, m)
        for i, m in enumerate(
            ["temporal", "temporal", "fragmentation", "vocabulary", "fragmentation", None]
        )
    ]
    picked = pick_questions(qs, 5)
    # FAILURE_MODES order first (fragmentation, ..., vocabulary, temporal), first of each in
    # file order, then the second round; unlabelled questions after the known modes
    assert [q.id for q in picked] == ["q2", "q3", "q0", "q5", "q4"]
    assert FAILURE_MODES.index("fragmentation") < FAILURE_MODES.index("temporal")
    assert pick_questions(qs, 50) and len(pick_questions(qs, 50)) == len(qs)


SMALL_MODEL = "qwen2.5-coder-0.5b"


def _need_local_model() -> None:
    """Skip (fail in CI) without the local extra: llama.cpp and the 0.5B model's parts."""
    from docnav.agent.llm import LLMError
    from docnav.agent.llm.gguf import MODELS, part_paths
    from docnav.agent.llm.llama_cpp import import_llama_cpp

    try:
        import_llama_cpp()
        part_paths(MODELS[SMALL_MODEL])
    except LLMError as e:
        if os.environ.get("CI"):
            pytest.fail(str(e))
        pytest.skip(f"the local model is unavailable ({e}); pip install -e '.[local]'")


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_demo_end_to_end_with_the_small_model(tmp_path: Path) -> None:
    _need_local_model()
    home, cache = tmp_path / "home", tmp_path / "model-cache"
    first = run(
        "--fast", "--questions", "1", "--modes", "rag", home=home, timeout=1500, cache=cache
    )
    assert first.returncode == 0, first.stderr[-3000:]
    assert "generating the synthetic demo corpus" in first.stderr
    # a fresh home: the one-time model assembly is announced, then done with its progress
    assert "first run:" in first.stderr and "assembles the embedded model" in first.stderr
    assert (cache / "qwen2.5-coder-0.5b-instruct.gguf").is_file()
    assert "store: 10 filings" in first.stderr
    out = first.stdout
    assert "docnav demo" in out and SMALL_MODEL in out
    for col in ("question", "mode", "answer", "value", "quote found", "steps", "right?"):
        assert col in out
    assert "fragmentation" in out  # the first failure mode of the fixed rule
    # the demo keeps its own store and indexes under <home>/demo
    indexes = {
        p: p.stat().st_mtime_ns for p in (home / "demo" / "indexes").rglob("*") if p.is_file()
    }
    assert indexes, "the first run built no index"

    second = run(
        "--fast",
        "--questions",
        "1",
        "--modes",
        "rag,agent",
        "--json",
        home=home,
        timeout=1500,
        cache=cache,
    )
    assert second.returncode == 0, second.stderr[-3000:]
    res = json.loads(second.stdout)
    assert res["corpus_reused"] is True
    assert res["corpus"] == str((home / "demo" / "corpus").resolve())
    assert [r["mode"] for r in res["rows"]] == ["rag", "agent"]
    assert len(res["questions"]) == 1 and res["questions"][0]["failure_mode"] == "fragmentation"
    for r in res["rows"]:
        assert r["outcome"] in OUTCOMES
        assert r["outcome"] != "error", r["detail"]
        assert r["steps"] >= 1 and r["tokens_in"] > 0 and r["seconds"] > 0
    # agent: more than one step (it navigates); rag: one model call
    assert res["rows"][0]["steps"] == 1 and res["rows"][1]["steps"] > 1
    # the same question, model and greedy decoding: the first run's rag verdict is this one's
    rag = res["rows"][0]["outcome"]
    marks = {
        "correct": "= gold",
        "incorrect": "≠ gold",
        "refusal": "– refused",
        "unjudged": "? no numeric gold",
    }
    assert marks.get(rag, "?") in out, (rag, out[-2000:])
    assert f"rag {int(rag == 'correct')}/1 right" in out
    # the second run re-ingested and re-embedded nothing: every index file is as the first left it
    assert all(p.stat().st_mtime_ns == t for p, t in indexes.items())


def test_missing_local_extra_names_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    from docnav.demo import check_local_install
    from docnav.errors import DocnavError
    from docnav.settings import Settings

    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # import llama_cpp now fails
    with pytest.raises(DocnavError, match=r"pip install -e '\.\[local\]'"):
        check_local_install(Settings(llm_backend="local"))
    # another backend needs no local extra
    assert check_local_install(Settings(llm_backend="openai")) is False
