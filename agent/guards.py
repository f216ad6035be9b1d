"""Guards of the guided policy: what the agent is told when it falls into a known habit of
small models (results/answers-dev60/handcheck.md). Each answers the habit with the next
concrete step, never with an invitation to stop:

- a repeated call (or a failed call repeated verbatim) gets a pointer to the earlier result
  and the next unread evidence pages, opened for it;
- "not found" before the pages the question names were read gets those pages' text;
- an unknown document id gets the ids of the filings of the company the question names;
- a computed figure answered without the calculator is sent to the calculator once.

Pure functions over the run's memo (a JSON-able dict kept in the loop's state) and the pages
read so far; :mod:`docnav.agent.policy` wires them into the loop.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from docnav.agent.facts_view import SCALES
from docnav.tools.base import ToolResult

RunTool = Callable[[str, dict[str, Any]], ToolResult]
_REFUSAL = re.compile(
    r"not (?:be )?(?:found|provided|available|disclosed|mentioned|stated|given)|"
    r"(?:cannot|can't|unable to) (?:be )?(?:determine|find|answer|locate)|no information|"
    r"does not (?:contain|include|provide|mention)|insufficient",
    re.I,
)


def call_key(name: str, arguments: dict[str, Any]) -> str:
    return json.dumps([name, arguments], sort_keys=True, default=str)


def is_refusal(answer: str, not_found: bool) -> bool:
    return not_found or not answer.strip() or bool(_REFUSAL.search(answer))


def unread(evidence: list[dict[str, Any]], read: set[tuple[str, int]]) -> list[dict[str, Any]]:
    """Evidence entries ({doc, start, end, why}, 1-based pages) with a page not yet read."""
    return [
        e
        for e in evidence
        if any((e["doc"], p - 1) not in read for p in range(e["start"], e["end"] + 1))
    ]


def ev_call(e: dict[str, Any]) -> str:
    return f'read_pages(doc="{e["doc"]}", start={e["start"]}, end={e["end"]})'


def open_pages(
    evidence: list[dict[str, Any]], run_tool: RunTool, max_chars: int
) -> tuple[str, ToolResult | None]:
    """Read evidence entries in order until ``max_chars``; the text and the merged result."""
    texts, merged, used = [], None, 0
    for e in evidence:
        if used >= max_chars:
            break
        res = run_tool("read_pages", {"doc": e["doc"], "start": e["start"], "end": e["end"]})
        if not res.ok:
            continue
        texts.append(f"[{e['why']}] {res.text}")
        used += len(res.text)
        if merged is None:
            merged = res.model_copy(deep=True)
        else:
            merged.reads += res.reads
    return "\n\n".join(texts), merged


def repeat_reply(
    name: str,
    earlier: dict[str, Any],
    todo: list[dict[str, Any]],
    read: set[tuple[str, int]],
    run_tool: RunTool,
) -> ToolResult:
    """A repeated call: where its result is, and the next evidence, opened."""
    if earlier.get("ok", True):
        head = (
            f"You made this exact {name} call before; its result is tool result "
            f"#{earlier['n']} above ({earlier.get('summary', '')[:100]})."
        )
    else:
        head = (
            f"This exact {name} call failed before (tool result #{earlier['n']}: "
            f"{earlier.get('summary', '')[:160]}); it would fail again."
        )
    # once the statement or note the question names is read, more pages only bury it:
    # search hits are opened only for a question that names none
    named = [e for e in todo if e["why"] != "top search hit"]
    left = unread(named or todo, read)
    if not left:
        where = "; ".join(f"{e['why']} pp. {e['start']}-{e['end']}" for e in named)
        return ToolResult(
            text=head
            + " You have read the pages the question points to"
            + (f" ({where})" if where else "")
            + ": take the value from those pages and call final_answer with it, its page and "
            "a quote.",
            ok=False,
            summary=f"repeated {name}: all evidence read",
        )
    e = left[0]
    res = run_tool("read_pages", {"doc": e["doc"], "start": e["start"], "end": e["end"]})
    if not res.ok:
        return ToolResult(
            text=f"{head} Next step: {ev_call(e)} ({e['why']}).", ok=False, summary="repeat"
        )
    return res.model_copy(
        update={
            "text": f"{head} Next step, taken for you: {ev_call(e)} ({e['why']}):\n{res.text}",
            "summary": f"repeated {name} -> {res.summary}",
        }
    )


ANSWER_NOW = "answer_now"  # memo key: the loop allows only final_answer on the next call


def answer_now(res: ToolResult, memo: dict[str, Any]) -> ToolResult:
    """A repeat reply that opened no new page, or a run's second repeat: the next call may
    only be final_answer (the loop narrows the tool choice; the prompt stays as it is). A
    first repeat that opened pages leaves the model free to read them."""
    memo["repeats"] = memo.get("repeats", 0) + 1
    if res.reads and memo["repeats"] < 2:
        return res
    memo[ANSWER_NOW] = True
    if res.reads:  # pages opened: the usual reply asked for no answer yet
        return res.model_copy(
            update={"text": res.text + "\n\nThis is your second repeated call: answer now."}
        )
    return res


def not_found_reply(
    evidence: list[dict[str, Any]], read: set[tuple[str, int]], run_tool: RunTool, max_chars: int
) -> ToolResult | None:
    """A refusal with the named pages unread: those pages, and a request to answer from them.
    None when every such page was read (the refusal then stands)."""
    left = unread(evidence, read)
    if not left:
        return None
    text, res = open_pages(left, run_tool, max_chars)
    if res is None:
        return None
    where = "; ".join(f"{e['why']} pp. {e['start']}-{e['end']}" for e in left)
    return res.model_copy(
        update={
            "text": f"Not yet: you have not read the pages this question points to ({where}). "
            f"Here they are. Find the value there and call final_answer with it, its page and "
            f"a quote.\n\n{text}",
            "summary": f"refusal answered with {where}",
        }
    )


def unknown_doc_hint(text: str, docs: list[Any]) -> str:
    """An unknown-document error, with the ids of the filings of the question's company."""
    if not docs:
        return text
    lines = [
        f"{d.doc_id} | {d.meta.form or '?'} | {d.meta.fiscal_period or d.meta.fiscal_year}"
        for d in docs[:12]
    ]
    return text + "\nFilings of the company the question names:\n" + "\n".join(lines)


def calc_reply(formula: str | None) -> ToolResult:
    eg = f" The formula: {formula}." if formula else ""
    return ToolResult(
        text="Not yet: this question asks for a computed figure. Call calculator with the "
        f"expression over the values you read (numbers as printed, or F1, F2 ...).{eg} Then "
        "answer with its result.",
        ok=False,
        summary="computed figure without the calculator: sent to the calculator",
    )


def yes_no_reply() -> ToolResult:
    return ToolResult(
        text="Not yet: the question asks yes or no. Call final_answer again with an answer that "
        "starts with Yes or No, followed by the figures or facts behind it.",
        ok=False,
        summary="a yes/no question answered without yes or no: sent back once",
    )


# words an answer uses when it names a cause
_CAUSAL = re.compile(
    r"\b(?:because|due\s+to|driven|drove|drivers?|owing\s+to|result(?:ed|ing)?\s+(?:of|from)|"
    r"as\s+a\s+result|attributable|reflect\w*|caused|led\s+by|primarily|mainly|largely|"
    r"offset|impact\w*|from\s+(?:higher|lower|increased|decreased))\b",
    re.I,
)


def names_a_cause(answer: str) -> bool:
    return bool(_CAUSAL.search(answer))


def reasons_reply() -> ToolResult:
    """A "what drove" question answered with a figure and no cause."""
    return ToolResult(
        text="Not yet: the question asks what caused it, and the answer names no cause. Find "
        "the reasons the filing gives (the MD&A discusses each change: read its pages on this "
        "item), then call final_answer again naming them (one to three sentences), citing the "
        "pages.",
        ok=False,
        summary="a reasons question answered without a cause: sent back once",
    )


def decision_reply(decision: dict[str, Any]) -> ToolResult:
    """An answer whose yes/no (or direction word) is not the one computed from the rows."""
    return ToolResult(
        text=f"Check: computed in code from the statement rows, {decision['why']}, so the "
        f"answer is {decision['word']}. Call final_answer again starting with "
        f"{decision['word']} and these figures, unless a page you read shows these rows are the "
        "wrong ones (then say which page and row).",
        ok=False,
        summary="an answer against the direction computed in code: sent back once",
    )


def words_reply() -> ToolResult:
    """A description or reasons question answered with a bare number."""
    return ToolResult(
        text="Not yet: the question asks for reasons or a description, and a number alone does "
        "not answer it. Call final_answer again with the answer in words (one to three "
        "sentences) from the passages and pages you have, citing them.",
        ok=False,
        summary="a reasons/description question answered with a bare number: sent back once",
    )


def bare_number(answer: str) -> bool:
    """An answer that is a figure and hardly a word more ("$17 million", "2.0897")."""
    units = {
        "million",
        "millions",
        "billion",
        "billions",
        "thousand",
        "thousands",
        "usd",
        "percent",
    }
    words = [w for w in re.findall(r"[A-Za-z]{3,}", answer) if w.lower() not in units]
    return bool(re.search(r"\d", answer)) and len(words) <= 1


def agrees(number: float, value: float, scales: tuple[int, ...] = (-9, -6, -3, 0, 3, 6, 9)) -> bool:
    """Whether an answer's number is ``value`` in some scale (1,577 million = 1.577 billion),
    up to rounding; the sign is left out (an outflow is printed in parentheses). ``scales``:
    the powers of ten tried (``(0,)``: the value as shown)."""
    a, b = abs(number), abs(value)
    if b == 0:
        return a == 0
    return any(abs(a * 10**k - b) <= 0.011 * b for k in scales)


def best_row_reply(best: dict[str, Any], number: float) -> ToolResult:
    """A one-value answer whose number is not the row code picked from the statement that
    prints the item: a small model copies a neighbouring row or an unrelated figure."""
    return ToolResult(
        text=f"Check: your answer's number ({number:,g}) is not the statement row {best['ref']} "
        f"{best['label']}, {best['period']} = {best['text']} (p. {best['page']}). If that row is "
        "what the question asks for, call final_answer with its value, in the unit the question "
        "asks for. If another row or page holds it, call final_answer again with that value and "
        "its page.",
        ok=False,
        summary="a one-value answer that is not the best statement row: sent back once",
    )


_ASKED_SCALE = re.compile(r"\b(thousand|million|billion)s\b", re.I)


def best_row_answer(best: dict[str, Any], question: str) -> tuple[str, float, str]:
    """The answer code gives when the model kept a number that is on no row shown: the best
    row's value in the scale the question asks for ("Answer in USD billions")."""
    m = _ASKED_SCALE.search(question)
    value = abs(best["value"]) if best.get("outflow") else best["value"]
    unit = best["text"].split(" ", 1)[1] if " " in best["text"] else ""
    if m and best.get("scale", 1.0) > 1.0:
        name = m.group(1).lower()
        value = value * best["scale"] / SCALES[name]
        unit = f"USD {name}s"
    shown = f"{value:,.4f}".rstrip("0").rstrip(".")
    paid = " (paid out)" if best.get("outflow") else ""
    text = (
        f"{shown} {unit}{paid}: {best['label']}, {best['period']}, from the statement on "
        f"p. {best['page']}."
    )
    return text, value, unit


def lookup_reply(refs_used: list[str], refs: dict[str, dict[str, Any]]) -> ToolResult:
    """A calculator call that combines values when the question asks for one reported value:
    a small model turns "what was capex" into a percentage change of two fact rows."""
    shown = "; ".join(
        f"{r} = {refs[r]['shown']} ({refs[r]['label']}, {refs[r]['period']})"
        for r in refs_used
        if r in refs
    )
    pick = f" The rows you named: {shown}." if shown else ""
    return ToolResult(
        text="Not computed: this question asks for one reported value, not a ratio, change, "
        "average or margin. Pick the line item and period it names and call final_answer with "
        f"that value as printed (converted to the unit asked for, if any), its page and a "
        f"quote.{pick}",
        ok=False,
        summary="a computation for a single-value question: sent back to answer the value",
    )
