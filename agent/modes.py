"""The single-call answer modes (closed-book, rag, long-context, oracle): one model call with
a prepared context, answered through the same final_answer tool and checked the same way as
the agent, so every mode returns the same structured ``Answer``."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from docnav.agent.answer import Answer, AnswerMode, Step, Trace
from docnav.agent.citations import verify_citations
from docnav.agent.final import FINAL_ANSWER, parse_final, salvage_final
from docnav.agent.llm.base import ChatMessage, ChatModel, LLMError, unavailable
from docnav.agent.prompts import (
    CLOSED_BOOK_SYSTEM,
    LONG_CONTEXT_SYSTEM,
    ORACLE_SYSTEM,
    RAG_SYSTEM,
)
from docnav.types import display_page

SYSTEMS: dict[str, str] = {
    "closed-book": CLOSED_BOOK_SYSTEM,
    "rag": RAG_SYSTEM,
    "long-context": LONG_CONTEXT_SYSTEM,
    "oracle": ORACLE_SYSTEM,
}


@dataclass
class Passage:
    """Text shown to the model: a retrieved chunk or a whole page."""

    doc_id: str
    doc_name: str
    page_start: int  # 0-based
    page_end: int
    text: str
    section_path: str = ""


@dataclass
class Context:
    text: str
    reads: dict[tuple[str, int], str]
    notes: list[str]


def passages_context(passages: Sequence[Passage]) -> Context:
    """Retrieved chunks, numbered and labelled with 1-based pages."""
    parts, reads = [], {}
    for i, p in enumerate(passages, 1):
        a, b = display_page(p.page_start), display_page(p.page_end)
        pages = f"page {a}" if a == b else f"pages {a}-{b}"
        sec = f", {p.section_path}" if p.section_path else ""
        parts.append(f"[{i}] {p.doc_name}, {pages}{sec}\n{p.text}")
        for page in range(p.page_start, p.page_end + 1):
            # a chunk spanning pages counts as read on each of them
            key = (p.doc_id, page)
            reads[key] = reads.get(key, "") + "\n" + p.text
    return Context("\n\n".join(parts), reads, [])


def pages_context(
    pages: Sequence[Passage], max_tokens: int, count_tokens: Callable[[str], int]
) -> Context:
    """Whole pages in order, each under a header, cut where the window is full."""
    parts, reads, used, notes = [], {}, 0, []
    for i, p in enumerate(pages):
        block = f"=== {p.doc_name}, page {display_page(p.page_start)} ===\n{p.text}"
        n = count_tokens(block)
        if used + n > max_tokens:
            notes.append(
                f"context truncated to fit the model's window: {i} of {len(pages)} pages "
                f"shown (up to page {display_page(pages[i - 1].page_start) if i else 0})"
            )
            break
        parts.append(block)
        reads[(p.doc_id, p.page_start)] = p.text
        used += n
    return Context("\n\n".join(parts), reads, notes)


def answer_once(
    model: ChatModel,
    mode: AnswerMode,
    question: str,
    context: Context | None,
    doc_names: dict[str, str],
    *,
    question_first: bool = False,
    max_new_tokens: int = 512,
    temperature: float = 0.0,
    on_step: Callable[[Step], None] | None = None,
    extra_notes: list[str] | None = None,
) -> Answer:
    """One call; ``question_first`` puts the question before the context (the paper's
    long-context runs try both orders)."""
    if context is None or not context.text:
        user = question
    else:
        label = "Filing text" if mode in ("long-context", "oracle") else "Excerpts"
        q = f"Question: {question}"
        ctx = f"{label}:\n\n{context.text}"
        user = f"{q}\n\n{ctx}" if question_first else f"{ctx}\n\n{q}"
    messages = [
        ChatMessage(role="system", content=SYSTEMS[mode]),
        ChatMessage(role="user", content=user),
    ]
    notes = list(extra_notes or []) + (context.notes if context else [])
    trace = Trace()
    t0 = time.monotonic()
    try:
        resp = model.chat(
            messages,
            [FINAL_ANSWER],
            max_tokens=max_new_tokens,
            temperature=temperature,
            tool_choice="required",
        )
    except LLMError as e:
        # down, timed out or refused: an error for the caller, never an answer
        raise unavailable(e) from e
    step = Step(
        index=0,
        kind="answer",
        summary=(resp.message.content or "final_answer")[:300],
        tokens_in=resp.usage.prompt_tokens,
        tokens_out=resp.usage.completion_tokens,
        seconds=round(resp.seconds or time.monotonic() - t0, 3),
    )
    if on_step:
        on_step(step)
    reads = context.reads if context else {}
    trace = Trace(
        steps=[step],
        llm_calls=1,
        tokens_in=resp.usage.prompt_tokens,
        tokens_out=resp.usage.completion_tokens,
        seconds=round(time.monotonic() - t0, 3),
        pages_read=sorted({(d, p + 1) for d, p in reads}),
    )
    call = next((c for c in resp.message.tool_calls if c.name == "final_answer"), None)
    cut = next(
        (
            salvaged
            for c in resp.message.tool_calls
            if c.parse_error and c.raw_arguments
            if (salvaged := salvage_final(c.raw_arguments)) is not None
        ),
        None,
    )
    if call is not None and not call.parse_error:
        args = call.arguments
    elif cut is not None:
        args = cut
        notes.append(
            "the final_answer call was cut off; its answer is kept as far as it was written"
        )
    else:
        args = {"answer": resp.message.content, "citations": []}
        notes.append("the model answered in plain text, not with final_answer")
    parsed = parse_final(args)
    cites = verify_citations(parsed.citations, reads, doc_names)
    if any(not c.verified for c in cites):
        notes.append(f"{sum(not c.verified for c in cites)} citation(s) not found in the context")
    conf = parsed.confidence if (any(c.verified for c in cites) or mode == "closed-book") else "low"
    return Answer(
        question=question,
        mode=mode,
        model=model.name,
        answer=parsed.answer or "(empty answer)",
        number=parsed.number,
        citations=cites,
        confidence=conf,  # type: ignore[arg-type]
        not_found=parsed.not_found,
        notes=notes,
        trace=trace,
    )
