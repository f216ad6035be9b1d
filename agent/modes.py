"""The answer modes and their contexts. closed-book, rag, long-context and oracle are one
model call with a prepared context (:func:`answer_once`); agent is the loop
(:mod:`docnav.agent.loop`). Every mode answers through the same final_answer tool and is
checked the same way (:func:`docnav.agent.final.build_answer`), so each returns the same
``Answer``. The window arithmetic lives here too: how much of the model's window a context,
or the guided agent's first look, may take."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from docnav.agent.final import FINAL_ANSWER, build_answer, salvage_final
from docnav.agent.llm.base import ChatMessage, ChatModel, LLMError, unavailable
from docnav.agent.prompts import (
    CLOSED_BOOK_SYSTEM,
    LONG_CONTEXT_SYSTEM,
    ORACLE_SYSTEM,
    RAG_SYSTEM,
)
from docnav.errors import DocnavError
from docnav.ingestion.store import CorpusStore
from docnav.retrieval.index import SearchResult
from docnav.types import Answer, AnswerMode, Document, Step, Trace, display_page

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


# -- window arithmetic ------------------------------------------------------------------------
CONTEXT_RESERVE = 800  # tokens: the system prompt, the question and the final_answer schema
FIRST_LOOK_RESERVE = 2000  # tokens: the agent's system prompt, tool list and answer


def context_room(window: int, max_new_tokens: int) -> int:
    """Tokens a single-call context may take: the window less the answer and the reserve."""
    return window - max_new_tokens - CONTEXT_RESERVE


def first_look_chars(window: int, max_new_tokens: int) -> int:
    """The guided first look takes at most a third of what a small window leaves after the
    system prompt, tool list and answer (~2,000 tokens), at ~3 characters a token, so the
    reads after it fit (the loop elides older tool output, never the first look); a 16k
    window is not limited by this (tool_max_chars is smaller)."""
    return max(1200, window - max_new_tokens - FIRST_LOOK_RESERVE)


def fits_window(
    store: CorpusStore, doc: Document, model: ChatModel, max_new_tokens: int
) -> tuple[bool, str]:
    """Whether the whole filing fits the model's window for long-context (a truncated filing
    measures truncation, not long-context reading), and a line saying by how much."""
    room = context_room(model.context_window, max_new_tokens)
    text = "\n".join(store.page_text(doc.doc_id, p) for p in range(doc.n_pages))
    n = model.count_tokens(text) if len(text) < 40 * room else len(text) // 4
    return n <= room, f"filing {doc.name}: {n} tokens, window room {room}"


# -- contexts ---------------------------------------------------------------------------------
def rag_context(result: SearchResult) -> Context:
    """rag: the retrieved chunks, with a note of what query understanding applied."""
    ctx = passages_context(
        [
            Passage(h.doc_id, h.doc_name, h.page_start, h.page_end, h.text, h.section_path)
            for h in result.hits
        ]
    )
    if result.analysis is not None and result.analysis.applied:
        ctx.notes.insert(0, "query understanding: " + "; ".join(result.analysis.applied))
    return ctx


def filing_context(
    store: CorpusStore,
    doc: Document,
    mode: AnswerMode,
    pages: list[int] | None,
    room: int,
    count_tokens: Callable[[str], int],
) -> Context:
    """long-context: the whole filing; oracle: its evidence ``pages`` (1-based); each cut
    where ``room`` tokens are full."""
    wanted = range(doc.n_pages) if mode == "long-context" else oracle_pages(pages, doc.n_pages)
    passages = [Passage(doc.doc_id, doc.name, p, p, store.page_text(doc.doc_id, p)) for p in wanted]
    return pages_context(passages, room, count_tokens)


def oracle_pages(pages: Iterable[int] | None, n: int) -> list[int]:
    """1-based evidence pages -> sorted 0-based indexes, each checked against the filing."""
    if not pages:
        raise DocnavError("oracle mode needs the evidence pages (--pages 12,13)")
    bad = [p for p in pages if not 1 <= p <= n]
    if bad:
        raise DocnavError(f"pages {bad} are outside 1..{n}")
    return [p - 1 for p in sorted(set(pages))]


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
    return build_answer(
        question=question,
        mode=mode,
        model=model.name,
        args=args,
        reads=reads,
        doc_names=doc_names,
        notes=notes,
        trace=trace,
        shown="the context",
    )
