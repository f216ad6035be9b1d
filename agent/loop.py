"""The agent loop: a LangGraph ``StateGraph`` with a model node and a tool node, a step,
token and time budget, SQLite checkpoints (a thread id lets a conversation go on) and a
callback for every step so callers can stream the research as it happens."""

from __future__ import annotations

import json
import operator
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypedDict
from uuid import uuid4

from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from pydantic import BaseModel

from docnav.agent import checkpoints
from docnav.agent.checkpoints import open_checkpointer
from docnav.agent.final import FINAL_ANSWER, build_answer, salvage_final
from docnav.agent.guards import ANSWER_NOW
from docnav.agent.llm.base import (
    ChatMessage,
    ChatModel,
    ContextOverflow,
    LLMError,
    ToolCall,
    unavailable,
)
from docnav.agent.policy import GuidedPolicy
from docnav.agent.prompts import AGENT_SYSTEM, BUDGET_NOTE
from docnav.agent.specs import tool_specs
from docnav.settings import AgentSettings, LLMSettings
from docnav.tools.base import Tool, ToolContext, ToolResult
from docnav.types import Answer, Step, Trace

StepCallback = Callable[[Step], None]
_ELIDED = "[earlier tool output elided to fit the context window]"


_AGENT, _LLM = AgentSettings(), LLMSettings()  # the defaults live in docnav/settings.py only


class AgentBudget(BaseModel):
    max_steps: int = _AGENT.max_steps  # model calls per question
    max_tokens: int = _AGENT.max_tokens  # prompt + completion tokens per question, all calls
    max_seconds: float = _AGENT.max_seconds
    max_new_tokens: int = _LLM.max_new_tokens  # per model call

    @classmethod
    def of(cls, agent: AgentSettings, llm: LLMSettings) -> AgentBudget:
        return cls(
            max_steps=agent.max_steps,
            max_tokens=agent.max_tokens,
            max_seconds=agent.max_seconds,
            max_new_tokens=llm.max_new_tokens,
        )


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
    memo: dict[str, Any]  # the guided policy's per-run state (last write wins)


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
        policy: GuidedPolicy | None = None,
    ) -> None:
        """``policy`` None is the free loop; a :class:`GuidedPolicy` adds its first
        observation, guards and arithmetic (docnav.agent.policy)."""
        self.model = model
        self.policy = policy
        self.tools = {t.name: t for t in tools}
        self.ctx = ctx
        self.budget = budget or AgentBudget()
        self.system_prompt = system_prompt
        # built once: the tool list must stay byte-identical across calls (prefix cache)
        self.specs = tool_specs(tools, lean=policy is not None and policy.cfg.lean)
        self._lock = threading.Lock()
        # a SQLite file (one machine) or a postgresql:// URL (replicas share the threads)
        self.graph = self._build().compile(checkpointer=open_checkpointer(checkpoint_db))

    # -- graph ----------------------------------------------------------------------------
    def _build(self) -> StateGraph:
        g = StateGraph(_State)
        g.add_node("model", self._model_node)
        g.add_node("tools", self._tools_node)
        g.add_node("finish", self._finish_node)
        g.add_node("review", self._review_node)
        g.add_edge(START, "model")
        g.add_conditional_edges("model", self._route, ["tools", "finish", "review"])
        g.add_conditional_edges("review", lambda s: "finish" if s.get("final") else "model")
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
        # a guard asked for the answer now (agent/guards.py answer_now): for this call only
        answer_now = bool((s.get("memo") or {}).get(ANSWER_NOW))
        if answer_now:
            update["memo"] = {**s["memo"], ANSWER_NOW: False}
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
                    tool_choice=FINAL_ANSWER.name
                    if update.get("forced") or answer_now
                    else "required",
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
        if any(c["name"] == FINAL_ANSWER.name for c in calls):
            # the guided policy may send a final answer back once (not after the budget ran out)
            return "review" if self.policy is not None and not s.get("forced") else "finish"
        if not calls:
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
        memo = json.loads(json.dumps(s.get("memo") or {}))  # a copy: state is replaced, not mutated
        read = {(r[0], int(r[1])) for r in s.get("reads", [])}
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
            elif self.policy is not None:
                res = self.policy.on_call(call, memo, read, self._run_tool, self.ctx)
                text, ok, summary = res.text, res.ok, res.summary or res.text[:120]
                reads += [[r.doc_id, r.page, r.text] for r in res.reads]
                read |= {(r.doc_id, r.page) for r in res.reads}
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
            **({"memo": memo} if self.policy is not None else {}),
        }

    def _run_tool(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        if name not in self.tools:  # the guards open pages even where read_pages is not offered
            from docnav.tools import ReadPages

            return (
                ReadPages()(self.ctx, arguments)
                if name == "read_pages"
                else ToolResult(text=f"Error: there is no tool {name!r}.", ok=False)
            )
        return self.tools[name](self.ctx, arguments)

    def _review_node(self, s: _State, config: RunnableConfig) -> dict[str, Any]:
        """The guided policy reads the final answer: accepted (on to finish), or answered once
        with what to do instead, as the final_answer call's tool result."""
        assert self.policy is not None
        last = s["messages"][-1]
        call = next(c for c in last["tool_calls"] if c["name"] == FINAL_ANSWER.name)
        memo = json.loads(json.dumps(s.get("memo") or {}))
        read = {(r[0], int(r[1])) for r in s.get("reads", [])}
        res = self.policy.review_final(_final_args(call)[0], memo, read, self._run_tool)
        if res is None:
            return {"memo": memo, "final": {"args": _final_args(call)[0]} | _cut(call)}
        steps = list(s.get("steps", []))
        steps.append(
            self._emit(
                s,
                config,
                Step(index=len(steps), kind="note", tool=FINAL_ANSWER.name, summary=res.summary),
            )
        )
        msg = ChatMessage(role="tool", content=res.text, tool_call_id=call["id"], name=call["name"])
        return {
            "messages": [msg.model_dump()],
            "reads": [[r.doc_id, r.page, r.text] for r in res.reads],
            "steps": steps,
            "memo": memo,
        }

    def _finish_node(self, s: _State, config: RunnableConfig) -> dict[str, Any]:
        if s.get("final"):
            return {}
        last = s["messages"][-1]
        call = next((c for c in last.get("tool_calls") or [] if c["name"] == "final_answer"), None)
        if call is not None:
            return {"final": {"args": _final_args(call)[0]} | _cut(call)}
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
        t0 = time.monotonic()
        first: dict[str, Any] = {"steps": []}
        user = question
        if self.policy is not None:
            start = self.policy.start(question, self.ctx)
            user = f"{question}\n\n{start.text}" if start.text else question
            step = Step(
                index=0,
                kind="tool",
                tool="first_look",
                summary=start.summary,
                seconds=round(time.monotonic() - t0, 3),
            )
            if on_step:
                on_step(step)
            first = {
                "steps": [step.model_dump()],
                "reads": [[r.doc_id, r.page, r.text] for r in start.reads],
                "memo": start.memo,
            }
        new.append(ChatMessage(role="user", content=user).model_dump())
        s = self.graph.invoke(
            {
                "messages": new,
                **first,
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
        reads: dict[tuple[str, int], str] = {}
        for r in s.get("reads", []):  # a snippet then the whole page: both were shown
            key = (r[0], int(r[1]))
            reads[key] = r[2] if key not in reads or r[2] in reads[key] else f"{reads[key]}\n{r[2]}"
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
        args = final.get("args") or {}
        if final.get("cut"):
            notes.append(
                "the final_answer call was cut off; its answer is kept as far as it was written"
            )
        if self.policy is not None:
            off = self.policy.cfg.off()
            notes.append("agent policy: guided" + (f" (off: {', '.join(off)})" if off else ""))
            order = [(r[0], int(r[1])) for r in s.get("reads", [])]
            args, more = self.policy.finalize(args, s.get("memo") or {}, reads, order)
            notes += more
        if final.get("text"):
            notes.append("the model answered in plain text, not with final_answer")
        return build_answer(
            question=question,
            mode="agent",
            model=self.model.name,
            args=args,
            reads=reads,
            doc_names=doc_names,
            notes=notes,
            trace=trace,
            thread_id=thread_id,
        )


def _final_args(call: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """A final_answer call's arguments; one cut off by max_tokens (unparseable JSON) is
    salvaged as the single-call modes do (agent/final.py), flagged True."""
    if call.get("parse_error") and call.get("raw_arguments"):
        salvaged = salvage_final(call["raw_arguments"])
        if salvaged is not None:
            return salvaged, True
    return call.get("arguments") or {}, False


def _cut(call: dict[str, Any]) -> dict[str, Any]:
    return {"cut": True} if _final_args(call)[1] else {}


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
    """A thread's messages from the checkpoint database (a SQLite file or a postgresql://
    URL), without a model or a graph."""
    return checkpoints.read_history(db, thread_id)
