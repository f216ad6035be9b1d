"""The agent loop's logic with a scripted model over a real ingested store."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from pydantic import BaseModel

from docnav.agent.llm.base import ChatMessage, ContextOverflow, LLMError, is_context_overflow
from docnav.agent.loop import AgentBudget, AgentRunner
from docnav.errors import LLMUnavailableError
from docnav.ingestion import CorpusStore, IngestOptions, ingest_paths
from docnav.tools.base import PageRead, Tool, ToolContext, ToolResult
from docnav.types import Step

from .fakes import ScriptedChatModel, call


class ReadPageArgs(BaseModel):
    doc: str
    page: int


class ReadPage(Tool):
    """Read one page (1-based) of a document."""

    name = "read_page"
    Args = ReadPageArgs

    def run(self, ctx: ToolContext, args: ReadPageArgs) -> ToolResult:
        d = ctx.store.get_document(args.doc)
        text = ctx.store.page_text(d.doc_id, args.page - 1)
        return ToolResult(
            text=text,
            reads=[PageRead(doc_id=d.doc_id, page=args.page - 1, text=text)],
            summary=f"read p. {args.page} of {d.name}",
        )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, fb_pdfs: Path) -> CorpusStore:
    import shutil

    src = tmp_path_factory.mktemp("in") / "quarterly.pdf"
    shutil.copyfile(fb_pdfs / "BESTBUY_2024Q2_10Q.pdf", src)
    s = CorpusStore(tmp_path_factory.mktemp("home") / "store")
    ingest_paths(s, [src], opts=IngestOptions(), workers=1)
    return s


@pytest.fixture
def ctx(store: CorpusStore) -> ToolContext:
    return ToolContext(store=store)


def _page(store: CorpusStore, page0: int) -> tuple[str, str]:
    d = store.list_documents()[0]
    return d.doc_id, store.page_text(d.doc_id, page0)


def _quote(text: str) -> str:
    line = max((ln.strip() for ln in text.splitlines()), key=len)
    return line[:80]


def _runner(model, ctx, tmp_path=None, **budget) -> AgentRunner:
    db = tmp_path / "ck.sqlite" if tmp_path else None
    return AgentRunner(model, [ReadPage()], ctx, checkpoint_db=db, budget=AgentBudget(**budget))


def test_reads_then_answers_with_a_verified_citation(ctx: ToolContext, store: CorpusStore) -> None:
    doc_id, text = _page(store, 2)
    quote = _quote(text)
    model = ScriptedChatModel(
        [
            call("read_page", doc=doc_id, page=3),
            call(
                "final_answer",
                answer="It is on page 3.",
                value="1,234",
                unit="USD millions",
                # the model gets the page wrong: the checker finds where the quote really is
                citations=[{"doc": "quarterly", "page": 7, "quote": quote}],
                confidence="high",
            ),
        ]
    )
    steps: list[Step] = []
    ans = _runner(model, ctx).run("What is on page 3?", on_step=steps.append)
    assert ans.answer == "It is on page 3."
    assert ans.number is not None and ans.number.value == 1234.0
    assert len(ans.citations) == 1
    c = ans.citations[0]
    assert c.verified and c.page == 3 and c.doc_id == doc_id and c.doc_name == "quarterly"
    assert ans.confidence == "high"
    assert [s.kind for s in steps] == ["model", "tool", "model"]
    assert ans.trace.llm_calls == 2 and ans.trace.tool_calls == 1
    assert ans.trace.pages_read == [(doc_id, 3)]
    # the tool result went back to the model as a tool message with the page text
    msgs = model.requests[1][0]
    assert msgs[-1].role == "tool" and msgs[-1].content == text
    # system prompt and tool list identical across calls (prefix cache)
    assert model.requests[0][0][0] == model.requests[1][0][0]
    assert model.requests[0][1] == model.requests[1][1]


def test_quote_never_read_is_not_verified(ctx: ToolContext, store: CorpusStore) -> None:
    doc_id, _ = _page(store, 0)
    _, other = _page(store, 5)
    model = ScriptedChatModel(
        [
            call("read_page", doc=doc_id, page=1),
            call(
                "final_answer",
                answer="x",
                citations=[{"doc": doc_id, "page": 6, "quote": _quote(other)}],
                confidence="high",
            ),
        ]
    )
    ans = _runner(model, ctx).run("q")
    assert not ans.citations[0].verified
    assert ans.confidence == "low"
    assert any("not found in the pages read" in n for n in ans.notes)


def test_step_budget_forces_an_answer(ctx: ToolContext, store: CorpusStore) -> None:
    doc_id, text = _page(store, 0)
    turns = [call("read_page", doc=doc_id, page=p) for p in (1, 2, 3)]
    turns.append(call("final_answer", answer="partial", citations=[]))
    model = ScriptedChatModel(turns)
    ans = _runner(model, ctx, max_steps=4).run("q")
    assert ans.trace.budget_exhausted
    assert ans.answer == "partial"
    # reading turns must call some tool; the turn after the budget may only answer
    assert [c for _, _, c in model.requests] == ["required"] * 3 + ["final_answer"]
    last_msgs, tools, _ = model.requests[-1]
    assert tools == model.requests[0][1]  # same tool list: the prompt prefix stays cached
    assert "budget" in last_msgs[-1].content.lower()
    assert any("budget" in n for n in ans.notes)


def test_model_still_reading_after_budget_stops(ctx: ToolContext, store: CorpusStore) -> None:
    doc_id, _ = _page(store, 0)
    model = ScriptedChatModel([call("read_page", doc=doc_id, page=p) for p in (1, 2)])
    ans = _runner(model, ctx, max_steps=2).run("q")
    assert ans.trace.llm_calls == 2
    assert ans.answer.startswith("No answer") or ans.trace.budget_exhausted


def test_malformed_unknown_and_repeated_calls_get_errors(
    ctx: ToolContext, store: CorpusStore
) -> None:
    doc_id, _ = _page(store, 0)
    model = ScriptedChatModel(
        [
            call("read_page", parse_error="Expecting ',' delimiter"),
            call("rm_rf", path="/"),
            call("read_page", doc=doc_id, page=1),
            call("read_page", doc=doc_id, page=1),
            call("read_page", doc="../../etc/passwd", page=1),
            call("final_answer", answer="done", citations=[]),
        ]
    )
    steps: list[Step] = []
    ans = _runner(model, ctx).run("q", on_step=steps.append)
    tool_msgs = [m for m in model.requests[-1][0] if m.role == "tool"]
    assert "could not be parsed" in tool_msgs[0].content
    assert "no tool 'rm_rf'" in tool_msgs[1].content
    assert "already made this exact call" in tool_msgs[3].content
    assert tool_msgs[4].content.startswith("Error:")
    assert [s.kind for s in steps if s.kind != "model"] == [
        "error",
        "error",
        "tool",
        "error",
        "error",
    ]
    assert ans.answer == "done"


def test_conversation_goes_on_in_a_thread(
    ctx: ToolContext, store: CorpusStore, tmp_path: Path
) -> None:
    model = ScriptedChatModel(
        [
            call("final_answer", answer="first", citations=[]),
            call("final_answer", answer="second", citations=[]),
        ]
    )
    r = _runner(model, ctx, tmp_path)
    a1 = r.run("question one", thread_id="t1")
    a2 = r.run("and a follow-up", thread_id="t1")
    assert (a1.answer, a2.answer) == ("first", "second")
    seen = [m.content for m in model.requests[1][0] if m.role == "user"]
    assert seen == ["question one", "and a follow-up"]
    assert sum(m.role == "system" for m in model.requests[1][0]) == 1
    # persisted: a new runner on the same database sees the thread
    r2 = _runner(ScriptedChatModel([]), ctx, tmp_path)
    hist = r2.history("t1")
    assert [m["role"] for m in hist][:2] == ["user", "assistant"]
    assert r2.history("unknown") == []
    # and without any model or graph (what the REST API reads)
    from docnav.agent.loop import read_history

    assert read_history(tmp_path / "ck.sqlite", "t1") == hist
    assert read_history(tmp_path / "none.sqlite", "t1") == []


def test_per_question_budget_override(ctx: ToolContext, store: CorpusStore) -> None:
    doc_id, _ = _page(store, 0)
    turns = [call("read_page", doc=doc_id, page=p) for p in (1, 2)]
    turns.append(call("final_answer", answer="short", citations=[]))
    model = ScriptedChatModel(turns)
    r = _runner(model, ctx, max_steps=12)
    ans = r.run("q", budget=AgentBudget(max_steps=3))
    assert ans.trace.budget_exhausted and ans.trace.llm_calls == 3


def test_llm_error_is_an_error_not_an_answer(ctx: ToolContext) -> None:
    # issue 20 item 2: a backend that is down is an error; the step streamed to clients and
    # the error's message carry no URL, the detail (for the log) does
    model = ScriptedChatModel([LLMError("cannot reach LLM server at http://127.0.0.1:9")])
    steps: list[Step] = []
    with pytest.raises(LLMUnavailableError) as ei:
        _runner(model, ctx).run("q", on_step=steps.append)
    assert ei.value.kind == "down" and "127.0.0.1" in ei.value.detail
    assert "127.0.0.1" not in str(ei.value)
    assert steps[-1].kind == "error" and "127.0.0.1" not in steps[-1].summary


def test_context_overflow_drops_older_reads_and_answers(
    ctx: ToolContext, store: CorpusStore
) -> None:
    # the window check estimates tool output at 3 chars a token; when a number-dense read
    # still overflows, the backend's refusal is not the end: older reads go, the answer comes
    doc_id, _ = _page(store, 0)
    overflow = ContextOverflow(
        "prompt of 17032 tokens + 512 to generate exceeds the context window of 16384"
    )

    def answer(messages: list[ChatMessage]) -> ChatMessage:
        tool = [m for m in messages if m.role == "tool"]
        assert (
            len(tool) == 3 and sum(m.content.startswith("[earlier tool output") for m in tool) == 2
        )
        assert "context window" in messages[-1].content  # the note asking for the answer
        return call("final_answer", answer="from the last page read", citations=[])

    model = ScriptedChatModel(
        [*(call("read_page", doc=doc_id, page=p) for p in (1, 2, 3)), overflow, answer]
    )
    ans = _runner(model, ctx).run("q")
    assert ans.answer == "from the last page read"
    assert [c for _, _, c in model.requests] == ["required"] * 4 + ["final_answer"]
    assert any(st.kind == "note" and "context window" in st.summary for st in ans.trace.steps)
    assert ans.trace.pages_read  # the reads still count as read


def test_context_overflow_with_nothing_to_drop_is_an_error(ctx: ToolContext) -> None:
    model = ScriptedChatModel(
        [ContextOverflow("prompt of 20000 tokens exceeds the context window")]
    )
    with pytest.raises(LLMUnavailableError) as ei:
        _runner(model, ctx).run("q")
    assert ei.value.kind == "refused"
    assert len(model.requests) == 1


@pytest.mark.parametrize(
    "message, overflow",
    [
        # vLLM's OpenAI server (400)
        (
            "This model's maximum context length is 32768 tokens. However, you requested 33100 tokens "
            "(32588 in the messages, 512 in the completion).",
            True,
        ),
        (
            "the request exceeds the available context size, try increasing it",
            True,
        ),  # llama.cpp server
        (
            "The decoder prompt (length 40000) is longer than the maximum model length of 32768.",
            True,
        ),
        ("Rate limit reached for requests", False),
        ("Invalid 'tools[0].function.name': string does not match pattern", False),
    ],
)
def test_context_overflow_messages(message: str, overflow: bool) -> None:
    assert is_context_overflow(message) is overflow


def test_cancel_stops_before_the_next_step(ctx: ToolContext, store: CorpusStore) -> None:
    doc_id, _ = _page(store, 0)
    cancel = threading.Event()

    def then_cancel(messages: list[ChatMessage]) -> ChatMessage:
        cancel.set()
        return call("read_page", doc=doc_id, page=1)

    model = ScriptedChatModel([then_cancel, call("final_answer", answer="never", citations=[])])
    ans = _runner(model, ctx).run("q", cancel=cancel)
    assert "cancelled" in ans.answer
    assert len(model.requests) == 1


def test_plain_text_answer_is_accepted_and_flagged(ctx: ToolContext) -> None:
    model = ScriptedChatModel([ChatMessage(role="assistant", content="Revenue was $5 billion.")])
    ans = _runner(model, ctx).run("q")
    assert ans.answer == "Revenue was $5 billion."
    assert any("plain text" in n for n in ans.notes)
