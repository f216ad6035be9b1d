"""Engine.ask: each answer mode's context and its errors, over a real store (Buckle's 8-K and
its press release, the package's samples) with a scripted chat model standing in for the LLM
(what it was shown is recorded; the modes' wiring is what is tested, not a model)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from docnav.agent.llm.base import LLMError
from docnav.engine import Engine
from docnav.errors import DocnavError, LLMUnavailableError, NotFoundError
from docnav.settings import Settings

_spec = importlib.util.spec_from_file_location(
    "agent_fakes", Path(__file__).resolve().parents[1] / "agent" / "fakes.py"
)
fakes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fakes)  # type: ignore[union-attr]

SAMPLES = Path(__file__).resolve().parents[2] / "docnav" / "data" / "samples"
RELEASE = "BuckleInc.8-K.EX99.1"
QUOTE = "net income for the fiscal quarter ended November 2, 2024 was $44.2 million"
QUESTION = "What was Buckle's net income for the third quarter?"


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("engine") / "home"
    report = Engine(Settings(home=home)).ingest(
        [SAMPLES / "BuckleInc.8-K.html", SAMPLES / f"{RELEASE}.html"]
    )
    assert not report.failed, report
    return home


_ENGINES: dict[tuple, Engine] = {}


def _engine(home: Path, tmp_path: Path, turns: list, **settings) -> Engine:
    """An engine on the shared store (one per settings: asking writes nothing but agent
    checkpoints) with a fresh script."""
    key = (home, *sorted(settings.items()))
    if key not in _ENGINES:
        _ENGINES[key] = Engine(Settings(home=home, rag_mode="bm25", rag_k=3, **settings))
    eng = _ENGINES[key]
    eng.chat_model = fakes.ScriptedChatModel(turns)
    return eng


def _final(page: int = 1, quote: str = QUOTE, value: float | None = 44.2e6):
    cites = [{"doc": RELEASE, "page": page, "quote": quote}]
    return fakes.call(
        "final_answer",
        answer="Net income was $44.2 million.",
        value=value,
        unit="USD",
        citations=cites,
        confidence="high",
    )


def _shown(eng: Engine) -> str:
    """The user message of the model's one request."""
    (messages, _tools, _choice), *_ = eng.chat_model.requests
    return messages[-1].content


def test_closed_book_sends_the_question_alone_and_keeps_its_confidence(ingested, tmp_path):
    eng = _engine(
        ingested,
        tmp_path,
        [
            fakes.call(
                "final_answer", answer="About $40 million.", citations=[], confidence="medium"
            )
        ],
    )
    ans = eng.ask(f"  {QUESTION}  ", mode="closed-book")
    assert _shown(eng) == QUESTION  # stripped, no context
    assert (ans.mode, ans.question, ans.confidence, ans.citations) == (
        "closed-book",
        QUESTION,
        "medium",
        [],
    )
    assert ans.trace.llm_calls == 1 and ans.trace.pages_read == []


def test_rag_shows_retrieved_excerpts_and_verifies_a_citation_from_them(ingested, tmp_path):
    eng = _engine(ingested, tmp_path, [_final(page=1)])
    ans = eng.ask(QUESTION, mode="rag", doc=RELEASE)
    shown = _shown(eng)
    assert shown.startswith(f"Excerpts:\n\n[1] {RELEASE}, page")
    assert shown.endswith(f"Question: {QUESTION}") and "$44.2 million" in shown
    assert ans.citations[0].verified and ans.confidence == "high"
    assert ans.number is not None and ans.number.value == 44.2e6
    assert all(d == eng.document(RELEASE).doc_id for d, _ in ans.trace.pages_read)


def test_rag_flags_a_citation_the_model_was_not_shown(ingested, tmp_path):
    eng = _engine(ingested, tmp_path, [_final(quote="net income was $1 trillion")])
    ans = eng.ask(QUESTION, mode="rag", doc=RELEASE)
    assert not ans.citations[0].verified and ans.confidence == "low"
    assert "1 citation(s) not found in the context" in ans.notes


def test_long_context_shows_the_whole_filing_in_order_question_first_on_request(ingested, tmp_path):
    eng = _engine(ingested, tmp_path, [_final()])
    ans = eng.ask(QUESTION, mode="long-context", doc=RELEASE, question_first=True)
    shown = _shown(eng)
    assert shown.startswith(f"Question: {QUESTION}\n\nFiling text:")
    n = eng.document(RELEASE).n_pages
    heads = [f"=== {RELEASE}, page {p} ===" for p in range(1, n + 1)]
    assert [shown.index(h) for h in heads] == sorted(shown.index(h) for h in heads)
    assert ans.citations[0].verified and not any("truncated" in x for x in ans.notes)


def test_long_context_cuts_the_filing_where_the_window_is_full(ingested, tmp_path):
    eng = _engine(ingested, tmp_path, [_final()], llm_max_new_tokens=100)
    page1 = eng.page_text(RELEASE, 1)
    # room for the first page only: window = room + answer + the 800-token reserve
    eng.chat_model.context_window = len(page1) // 4 + 30 + 100 + 800
    ans = eng.ask(QUESTION, mode="long-context", doc=RELEASE)
    n = eng.document(RELEASE).n_pages
    assert (
        f"context truncated to fit the model's window: 1 of {n} pages shown (up to page 1)"
        in ans.notes
    )
    assert f"=== {RELEASE}, page 2 ===" not in _shown(eng)


def test_long_context_without_a_filing_picks_one_by_retrieval_and_says_so(ingested, tmp_path):
    eng = _engine(ingested, tmp_path, [_final()])
    ans = eng.ask("Buckle third quarter net income press release", mode="long-context")
    assert f"filing chosen by retrieval: {RELEASE}" in ans.notes
    with pytest.raises(DocnavError, match="no filing matches the question"):
        eng.ask("zzzqqq xylophone", mode="long-context")


def test_oracle_shows_only_the_evidence_pages(ingested, tmp_path):
    eng = _engine(ingested, tmp_path, [_final(page=1)])
    ans = eng.ask(QUESTION, mode="oracle", doc=RELEASE, pages=[1])
    shown = _shown(eng)
    assert f"=== {RELEASE}, page 1 ===" in shown and f"=== {RELEASE}, page 2 ===" not in shown
    assert ans.citations[0].verified and ans.trace.pages_read == [(eng.document(RELEASE).doc_id, 1)]


@pytest.mark.parametrize(
    ("pages", "message"),
    [
        (None, r"oracle mode needs the evidence pages"),
        ([0, 99], r"pages \[0, 99\] are outside 1\.\.4"),
    ],
)
def test_oracle_page_errors(ingested, tmp_path, pages, message):
    eng = _engine(ingested, tmp_path, [])
    with pytest.raises(DocnavError, match=message):
        eng.ask(QUESTION, mode="oracle", doc=RELEASE, pages=pages)
    assert eng.chat_model.requests == []  # refused before any model call


def test_question_errors_come_before_the_model(ingested, tmp_path):
    eng = _engine(ingested, tmp_path, [], max_question_chars=30)
    with pytest.raises(DocnavError, match="empty question"):
        eng.ask("   ", mode="rag")
    with pytest.raises(DocnavError, match=r"question too long \(51 chars, limit 30\)"):
        eng.ask(QUESTION, mode="rag")
    with pytest.raises(NotFoundError):
        eng.ask("net income?", mode="oracle", doc="NO_SUCH_FILING", pages=[1])
    assert eng.chat_model.requests == []


def test_a_failing_model_is_an_error_never_an_answer(ingested, tmp_path):
    eng = _engine(
        ingested, tmp_path, [LLMError("cannot reach LLM server at http://x", kind="down")]
    )
    with pytest.raises(LLMUnavailableError) as e:
        eng.ask(QUESTION, mode="rag")
    assert e.value.kind == "down"


def test_plain_text_and_cut_off_answers_are_kept_with_a_note(ingested, tmp_path):
    plain = fakes.ChatMessage(role="assistant", content="Net income was $44.2 million.")
    cut = fakes.call("final_answer", parse_error="unterminated string")
    cut.tool_calls[0].raw_arguments = '{"answer": "Net income was $44.2 mil'
    eng = _engine(ingested, tmp_path, [plain, cut])
    a = eng.ask(QUESTION, mode="rag")
    assert a.answer == "Net income was $44.2 million."
    assert "the model answered in plain text, not with final_answer" in a.notes
    b = eng.ask(QUESTION, mode="rag")
    assert b.answer.startswith("Net income was $44.2 mil")
    assert any("cut off" in x for x in b.notes)


def test_agent_mode_names_the_scope_and_returns_the_same_answer_type(ingested, tmp_path):
    eng = _engine(ingested, tmp_path, [_final()])
    ans = eng.ask(f" {QUESTION} ", mode="agent", doc=RELEASE, policy="free", max_steps=2)
    first_user = next(m for m in eng.chat_model.requests[0][0] if m.role == "user")
    assert (
        first_user.content
        == f"{QUESTION}\n(Scope: document {RELEASE} (id {eng.document(RELEASE).doc_id}).)"
    )
    assert (ans.mode, ans.question, ans.thread_id is not None) == ("agent", QUESTION, True)
    # the agent read nothing, so its citation is not verified: the same rule as every mode
    assert (
        not ans.citations[0].verified and "1 citation(s) not found in the pages read" in ans.notes
    )
