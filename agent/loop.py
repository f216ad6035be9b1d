"""The agent loop: a LangGraph ``StateGraph`` with a model node and a tool node, a step,
token and time budget, SQLite checkpoints (a thread id lets a conversation go on) and a
callback for every step so callers can stream the research as it happens."""

from __future__ import annotations

import json
import operator
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypedDict
from uuid import uuid4

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph
from pydantic import BaseModel

from docnav.agent.answer import Answer, Step, Trace
from docnav.agent.citations import verify_citations
from docnav.agent.final import FINAL_ANSWER, parse_final
from docnav.agent.llm.base import (
    ChatMessage,
    ChatModel,
    ContextOverflow,
    LLMError,
    ToolCall,
    ToolSpec,
    unavailable,
)
from docnav.agent.prompts import AGENT_SYSTEM, BUDGET_NOTE
from docnav.tools.base import Tool, ToolContext

StepCallback = Callable[[Step], None]
_ELIDED = "[earlier tool output elided to fit the context window]"


class AgentBudget(BaseModel):
    max_steps: int = 12  # model calls per question
    max_tokens: int = 150_000  # prompt + completion tokens per question, all calls together
    max_seconds: float = 900.0
    max_new_tokens: int = 512  # per model call


class _State(TypedDict, total=False):
    messages: Annotated[list[dict[str, Any]], operator.add]
    reads: Annotated[list[list[Any]], operator.add]  # [doc_id, page0, text]: kept per thread
    steps: list[dict[str, Any]]
    calls_seen: list[str]
    llm_calls: int
    tool_calls: int
    tokens_in: int
    tokens_out: int
    last_prompt_tokens: int
    started: float
    final: dict[str, Any] | None
    forced: bool


class AgentRunner:
    """Runs questions through the graph. One runner per (model, tools, store)."""

    def __init__(
        self,
        model: ChatModel,
        tools: list[Tool],
        ctx: ToolContext,
        checkpoint_db: str | Path | None = None,
        budget: AgentBudget | None = None,
        system_prompt: str = AGENT_SYSTEM,
    ) -> None:
        self.model = model
        self.tools = {t.name: t for t in tools}
        self.ctx = ctx
        self.budget = budget or AgentBudget()
        self.system_prompt = system_prompt
        # built once: the tool list must stay byte-identical across calls (prefix cache)
        self.specs = [
            ToolSpec(name=t.name, description=t.description(), parameters=t.parameters())
            for t in tools
        ] + [FINAL_ANSWER]
        db = str(checkpoint_db) if checkpoint_db else ":memory:"
        if checkpoint_db:
            Path(checkpoint_db).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(db, check_same_thread=False)
        self._lock = threading.Lock()
        self.graph = self._build().compile(checkpointer=SqliteSaver(self._conn))

    # -- graph ----------------------------------------------------------------------------
    def _build(self) -> StateGraph:
        g = StateGraph(_State)
        g.add_node("model", self._model_node)
        g.add_node("tools", self._tools_node)
        g.add_node("finish", self._finish_node)
        g.add_edge(START, "model")
        g.add_conditional_edges("model", self._route, ["tools", "finish"])
        g.add_edge("tools", "model")
        g.add_edge("finish", END)
        return g

    def _emit(self, state: _State, config: RunnableConfig, step: Step) -> dict[str, Any]:
        cb: StepCallback | None = config["configurable"].get("on_step")
        if cb:
            cb(step)
        return step.model_dump()

    def _over_budget(self, s: _State, b: AgentBudget) -> str | None:
        if s.get("llm_calls", 0) >= b.max_steps - 1:
            return f"step budget ({b.max_steps} model calls) reached"
        if s.get("tokens_in", 0) + s.get("tokens_out", 0) >= b.max_tokens:
            return f"token budget ({b.max_tokens}) reached"
        if time.monotonic() - s.get("started", time.monotonic()) >= b.max_seconds:
            return f"time budget ({b.max_seconds:.0f} s) reached"
        window = self.model.context_window - b.max_new_tokens - 64
        if s.get("last_prompt_tokens", 0) + self._pending_tokens(s) >= window:
            return f"context window ({self.model.context_window} tokens) nearly full"
        return None

    def _pending_tokens(self, s: _State) -> int:
        # tool output appended since the last call, estimated (about 3.5 chars per token)
        n = 0
        for m in reversed(s.get("messages", [])):
            if m["role"] != "tool":
                break
            n += len(m["content"]) // 3
        return n

    def _model_node(self, s: _State, config: RunnableConfig) -> dict[str, Any]:
        cancel: threading.Event | None = config["configurable"].get("cancel")
        steps = list(s.get("steps", []))
        if cancel is not None and cancel.is_set():
            return {"final": {"error": "cancelled"}, "steps": steps}
        messages = [ChatMessage(**m) for m in s["messages"]]
        budget: AgentBudget = config["configurable"].get("budget") or self.budget
        reason = None if s.get("forced") else self._over_budget(s, budget)
        update: dict[str, Any] = {}
        extra: list[dict[str, Any]] = []
        if reason or s.get("forced"):
            if reason:
                note = ChatMessage(role="user", content=f"{BUDGET_NOTE} ({reason})")
                messages.append(note)
                extra.append(note.model_dump())
                steps.append(
                    self._emit(s, config, Step(index=len(steps), kind="note", summary=reason))
                )
                window = self.model.context_window - budget.max_new_tokens - 64
                if s.get("last_prompt_tokens", 0) + self._pending_tokens(s) >= window:
                    messages = _elide(messages) or messages
            update["forced"] = True

        def failed(e: LLMError) -> NoReturn:
            # a backend that is down, timed out or refused is an error, never an answer; the
            # streamed step says so without the backend's URL (the error's detail keeps it)
            err = unavailable(e)
            steps.append(
                self._emit(s, config, Step(index=len(steps), kind="error", summary=str(err)))
            )
            raise err from e

        t0 = time.monotonic()
        while True:
            try:
                resp = self.model.chat(
                    messages,
                    self.specs,
                    max_tokens=budget.max_new_tokens,
                    temperature=config["configurable"].get("temperature", 0.0),
                    # final_answer is a tool too, so every turn is a tool call: a grammar-
                    # constrained backend then never lets a small model wander into free text;
                    # once the budget is spent only final_answer is allowed (the tool list, and
                    # so the prompt and its KV cache, stay the same)
                    tool_choice=FINAL_ANSWER.name if update.get("forced") else "required",
                )
                break
            except ContextOverflow as e:
                # the window check estimates tool output at 3 chars a token; number-dense
                # tables tokenise denser (digits are single tokens), so a prompt can still
                # overflow: drop older tool output and ask for the answer rather than fail
                shorter = _elide(messages, keep=_kept(messages) // 2)
                if shorter is None:
                    failed(e)
                messages = shorter
                reason = f"context window ({self.model.context_window} tokens) full"
                if not update.get("forced"):
                    note = ChatMessage(role="user", content=f"{BUDGET_NOTE} ({reason})")
                    messages.append(note)
                    extra.append(note.model_dump())
                    update["forced"] = True
                steps.append(
                    self._emit(
                        s,
                        config,
                        Step(index=len(steps), kind="note", summary=f"{reason}: {e}"[:300]),
                    )
                )
            except LLMError as e:
                failed(e)
        msg = resp.message
        if len(msg.tool_calls) > 1:  # one tool per turn (HTTP models may send several)
            msg = msg.model_copy(update={"tool_calls": msg.tool_calls[:1]})
        names = ", ".join(c.name for c in msg.tool_calls) or "text"
        steps.append(
            self._emit(
                s,
                config,
                Step(
                    index=len(steps),
                    kind="model",
                    tool=msg.tool_calls[0].name if msg.tool_calls else None,
                    arguments=msg.tool_calls[0].arguments if msg.tool_calls else {},
                    summary=(msg.content or names)[:300],
                    tokens_in=resp.usage.prompt_tokens,
                    tokens_out=resp.usage.completion_tokens,
                    seconds=round(time.monotonic() - t0, 3),
                ),
            )
        )
        return {
            **update,
            "messages": extra + [msg.model_dump()],
            "steps": steps,
            "llm_calls": s.get("llm_calls", 0) + 1,
            "tokens_in": s.get("tokens_in", 0) + resp.usage.prompt_tokens,
            "tokens_out": s.get("tokens_out", 0) + resp.usage.completion_tokens,
            "last_prompt_tokens": resp.usage.prompt_tokens + resp.usage.completion_tokens,
        }

    def _route(self, s: _State) -> str:
        if s.get("final"):
            return "finish"
        last = s["messages"][-1]
        calls = last.get("tool_calls") or []
        if not calls or any(c["name"] == FINAL_ANSWER.name for c in calls):
            return "finish"
        if s.get("forced"):
            return "finish"  # asked to answer and it still wants to read: stop here
        return "tools"

    def _tools_node(self, s: _State, config: RunnableConfig) -> dict[str, Any]:
        steps = list(s.get("steps", []))
        seen = list(s.get("calls_seen", []))
        out_msgs: list[dict[str, Any]] = []
        reads: list[list[Any]] = []
        n = 0
        for call in (ToolCall(**c) for c in s["messages"][-1]["tool_calls"]):
            t0 = time.monotonic()
            key = json.dumps([call.name, call.arguments], sort_keys=True, default=str)
            if call.parse_error:
                text = (
                    f"Error: your call to {call.name!r} could not be parsed ({call.parse_error}). "
                    "Call the tool again with valid JSON arguments."
                )
                ok, summary = False, "malformed tool call"
            elif call.name not in self.tools:
                text = f"Error: there is no tool {call.name!r}. Tools: " + ", ".join(
                    [*self.tools, FINAL_ANSWER.name]
                )
                ok, summary = False, f"unknown tool {call.name}"
            elif key in seen:
                text = (
                    "You already made this exact call; its result is above. Read something "
                    "else or call final_answer."
                )
                ok, summary = False, "repeated call"
            else:
                res = self.tools[call.name](self.ctx, call.arguments)
                text, ok, summary = res.text, res.ok, res.summary or res.text[:120]
                if ok:  # a failed call may be retried as is (e.g. after a transient error)
                    seen.append(key)
                reads += [[r.doc_id, r.page, r.text] for r in res.reads]
            n += 1
            out_msgs.append(
                ChatMessage(
                    role="tool", content=text, tool_call_id=call.id, name=call.name
                ).model_dump()
            )
            steps.append(
                self._emit(
                    s,
                    config,
                    Step(
                        index=len(steps),
                        kind="tool" if ok else "error",
                        tool=call.name,
                        arguments=call.arguments,
                        summary=summary,
                        seconds=round(time.monotonic() - t0, 3),
                    ),
                )
            )
        return {
            "messages": out_msgs,
            "reads": reads,
            "steps": steps,
            "calls_seen": seen,
            "tool_calls": s.get("tool_calls", 0) + n,
        }

    def _finish_node(self, s: _State, config: RunnableConfig) -> dict[str, Any]:
        if s.get("final"):
            return {}
        last = s["messages"][-1]
        call = next((c for c in last.get("tool_calls") or [] if c["name"] == "final_answer"), None)
        if call is not None:
            return {"final": {"args": call.get("arguments") or {}}}
        if last["role"] == "assistant" and last.get("content", "").strip():
            # a plain-text answer: accepted, without structured citations
            return {"final": {"args": {"answer": last["content"], "citations": []}, "text": True}}
        return {"final": {"error": "the model stopped without an answer"}}

    # -- public -----------------------------------------------------------------------------
    def run(
        self,
        question: str,
        thread_id: str | None = None,
        on_step: StepCallback | None = None,
        cancel: threading.Event | None = None,
        budget: AgentBudget | None = None,
        temperature: float = 0.0,
    ) -> Answer:
        """Answer ``question``; ``budget`` overrides the runner's for this question."""
        thread_id = thread_id or uuid4().hex
        budget = budget or self.budget
        config = {
            "configurable": {
                "thread_id": thread_id,
                "on_step": on_step,
                "cancel": cancel,
                "budget": budget,
                "temperature": temperature,
            },
            "recursion_limit": 4 * budget.max_steps + 10,
        }
        with self._lock:
            prior = self.graph.get_state({"configurable": {"thread_id": thread_id}}).values
        new: list[dict[str, Any]] = []
        if not prior.get("messages"):
            new.append(ChatMessage(role="system", content=self.system_prompt).model_dump())
        new.append(ChatMessage(role="user", content=question).model_dump())
        t0 = time.monotonic()
        s = self.graph.invoke(
            {
                "messages": new,
                "steps": [],
                "calls_seen": [],
                "llm_calls": 0,
                "tool_calls": 0,
                "tokens_in": 0,
                "tokens_out": 0,
                "last_prompt_tokens": 0,
                "started": t0,
                "final": None,
                "forced": False,
            },
            config,
        )
        return self._answer(question, s, thread_id, time.monotonic() - t0)

    def history(self, thread_id: str) -> list[dict[str, Any]]:
        """The conversation so far (system prompt left out)."""
        with self._lock:
            values = self.graph.get_state({"configurable": {"thread_id": thread_id}}).values
        return [m for m in values.get("messages", []) if m["role"] != "system"]

    def _answer(self, question: str, s: _State, thread_id: str, seconds: float) -> Answer:
        reads = {(r[0], int(r[1])): r[2] for r in s.get("reads", [])}
        doc_names = {d.doc_id: d.name for d in self.ctx.store.list_documents()}
        trace = Trace(
            steps=[Step(**x) for x in s.get("steps", [])],
            llm_calls=s.get("llm_calls", 0),
            tool_calls=s.get("tool_calls", 0),
            tokens_in=s.get("tokens_in", 0),
            tokens_out=s.get("tokens_out", 0),
            seconds=round(seconds, 3),
            pages_read=sorted({(d, p + 1) for d, p in reads}),
            budget_exhausted=bool(s.get("forced")),
        )
        final = s.get("final") or {}
        notes: list[str] = []
        if s.get("forced"):
            notes.append("research budget ran out; answered with what was read")
        if "error" in final:
            return Answer(
                question=question,
                mode="agent",
                model=self.model.name,
                answer=f"No answer: {final['error']}.",
                notes=[*notes, final["error"]],
                thread_id=thread_id,
                trace=trace,
            )
        parsed = parse_final(final.get("args") or {})
        if final.get("text"):
            notes.append("the model answered in plain text, not with final_answer")
        cites = verify_citations(parsed.citations, reads, doc_names)
        if any(not c.verified for c in cites):
            notes.append(
                f"{sum(not c.verified for c in cites)} citation(s) not found in the pages read"
            )
        conf = parsed.confidence if any(c.verified for c in cites) else "low"
        return Answer(
            question=question,
            mode="agent",
            model=self.model.name,
            answer=parsed.answer or "(empty answer)",
            number=parsed.number,
            citations=cites,
            confidence=conf,  # type: ignore[arg-type]
            not_found=parsed.not_found,
            notes=notes,
            thread_id=thread_id,
            trace=trace,
        )


def _elide(messages: list[ChatMessage], keep: int | None = None) -> list[ChatMessage] | None:
    """Drop the text of older tool results so the final call fits the window, keeping the
    newest ``keep`` (default: half of those left); None when nothing is left to drop."""
    tool_idx = [i for i, m in enumerate(messages) if m.role == "tool" and m.content != _ELIDED]
    if not tool_idx:
        return None
    if keep is None:
        keep = len(tool_idx) - max(1, len(tool_idx) // 2)
    keep = min(keep, len(tool_idx) - 1)  # drop at least one each time
    out = list(messages)
    for i in tool_idx[: len(tool_idx) - keep]:
        out[i] = out[i].model_copy(update={"content": _ELIDED})
    return out


def _kept(messages: list[ChatMessage]) -> int:
    """Tool results still shown in full."""
    return sum(1 for m in messages if m.role == "tool" and m.content != _ELIDED)


def read_history(db: str | Path, thread_id: str) -> list[dict[str, Any]]:
    """A thread's messages from the checkpoint database, without a model or a graph."""
    if not Path(db).exists():
        return []
    conn = sqlite3.connect(str(db), check_same_thread=False)
    try:
        tup = SqliteSaver(conn).get_tuple({"configurable": {"thread_id": thread_id}})
    finally:
        conn.close()
    if tup is None:
        return []
    msgs = tup.checkpoint.get("channel_values", {}).get("messages", [])
    return [m for m in msgs if m["role"] != "system"]
