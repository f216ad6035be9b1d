"""Agent conversations checkpointed in PostgreSQL: a thread started on one replica goes
on from another (each with its own store handle and checkpointer, as two `docnav serve`
processes have). The model is scripted: this tests the state, not the answers."""

from __future__ import annotations

from pydantic import BaseModel

from docnav.agent.checkpoints import open_checkpointer, read_history
from docnav.agent.llm.base import ChatMessage, ChatResponse, ToolCall, Usage
from docnav.agent.loop import AgentRunner
from docnav.ingestion import ingest_paths
from docnav.ingestion.backend import open_store
from docnav.tools.base import PageRead, Tool, ToolContext, ToolResult


class Scripted:
    """Replays tool calls in order and records what it was asked."""

    name = "scripted"
    context_window = 32768

    def __init__(self, turns: list[ChatMessage]) -> None:
        self.turns, self.requests = list(turns), []

    def chat(self, messages, tools=None, **kw) -> ChatResponse:
        self.requests.append(list(messages))
        return ChatResponse(
            message=self.turns.pop(0), usage=Usage(prompt_tokens=10, completion_tokens=5)
        )

    def count_tokens(self, text: str) -> int:
        return len(text) // 4


def _call(name: str, **arguments) -> ChatMessage:
    return ChatMessage(
        role="assistant",
        tool_calls=[ToolCall(id=f"c-{name}-{len(arguments)}", name=name, arguments=arguments)],
    )


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


def test_a_thread_goes_on_from_another_replica(pg_url, tmp_path):
    (tmp_path / "memo.md").write_text("# Results\n\nRevenue was $45.2 million in 2023.\n")
    root = tmp_path / "store"  # the shared volume of page files
    ingest_paths(open_store(root, pg_url), [tmp_path / "memo.md"])

    def replica(model: Scripted) -> AgentRunner:
        ctx = ToolContext(store=open_store(root, pg_url))
        return AgentRunner(model, [ReadPage()], ctx, checkpoint_db=pg_url)

    first = Scripted(
        [
            _call("read_page", doc="memo", page=1),
            _call("final_answer", answer="$45.2 million", citations=[]),
        ]
    )
    a1 = replica(first).run("What was revenue?", thread_id="t1")
    assert a1.answer == "$45.2 million"

    second = Scripted([_call("final_answer", answer="2023", citations=[])])
    other = replica(second)
    assert [m["role"] for m in other.history("t1")][:2] == ["user", "assistant"]
    a2 = other.run("Which year?", thread_id="t1")
    assert a2.answer == "2023"
    asked = [m.content for m in second.requests[0] if m.role == "user"]
    assert asked == ["What was revenue?", "Which year?"]  # the first replica's turn came along
    assert any("45.2" in m.content for m in second.requests[0] if m.role == "tool")
    assert read_history(pg_url, "t1") == other.history("t1")
    assert read_history(pg_url, "unknown") == []


def test_sqlite_and_memory_checkpointers_still_open(tmp_path):
    assert type(open_checkpointer(None)).__name__ == "SqliteSaver"
    assert type(open_checkpointer(tmp_path / "a" / "ck.sqlite")).__name__ == "SqliteSaver"
    assert (tmp_path / "a").is_dir()
    assert read_history(tmp_path / "none.sqlite", "t") == []
