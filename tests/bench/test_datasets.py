"""Question selection for `docnav bench answers` on a real planted set (docnav synth --small):
failure-mode filter, round-robin order before --limit, clear errors."""

from __future__ import annotations

from collections import Counter

import pytest

from docnav.bench.datasets import select
from docnav.errors import DocnavError
from docnav.questions import load_questions
from docnav.synth import generate, small_config


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> list:
    out = tmp_path_factory.mktemp("synth") / "small"
    generate(small_config(seed=0), out)
    return load_questions(out / "questions.jsonl")


def test_round_robin_covers_every_failure_mode_first(planted: list) -> None:
    modes = {q.failure_mode for q in planted}
    assert len(modes) >= 6 and None not in modes
    first = select(planted, order="round-robin", limit=len(modes))
    assert {q.failure_mode for q in first} == modes  # one of each before any repeats
    # file order takes the first company's questions: fewer modes in the same number
    assert len({q.failure_mode for q in select(planted, limit=len(modes))}) < len(modes)
    everything = select(planted, order="round-robin")
    assert sorted(q.id for q in everything) == sorted(q.id for q in planted)


def test_failure_mode_filter(planted: list) -> None:
    want = Counter(q.failure_mode for q in planted)
    got = select(planted, failure_mode="causal-chain")  # either spelling
    assert len(got) == want["causal_chain"] and {q.failure_mode for q in got} == {"causal_chain"}
    assert select(planted, failure_mode="no_such_mode") == []
    with pytest.raises(DocnavError, match="unknown question order"):
        select(planted, order="random")
