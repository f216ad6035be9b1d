"""The final_answer tool: how every mode hands back a structured answer."""

from __future__ import annotations

import json
import re
from typing import Any

from docnav.agent.citations import verify_citations
from docnav.agent.llm.base import ToolSpec
from docnav.agent.llm.parsing import loads_lenient
from docnav.ingestion.numbers import extract_numbers
from docnav.types import Answer, AnswerMode, Citation, NumberValue, Trace

FINAL_ANSWER = ToolSpec(
    name="final_answer",
    description=(
        "Give the final answer with the number asked for (if any) and citations to the pages "
        "you read. Ends the research."
    ),
    parameters={
        "type": "object",
        "properties": {
            "answer": {"type": "string", "description": "The answer in one or two sentences."},
            "value": {
                "type": ["number", "null"],
                "description": "The number asked for, e.g. 2468.5; null if not a number.",
            },
            "unit": {
                "type": ["string", "null"],
                "description": 'Unit and scale of value, e.g. "USD millions", "%".',
            },
            "citations": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "doc": {"type": "string", "description": "Document name or id."},
                        "page": {"type": "integer", "description": "Page number, from 1."},
                        "quote": {"type": "string", "description": "Exact short quote."},
                    },
                    "required": ["doc", "page", "quote"],
                },
            },
            "confidence": {"type": "string", "enum": ["high", "medium", "low"]},
        },
        "required": ["answer", "citations"],
    },
)

_ANSWER_START = re.compile(r'"(?:answer|text)"\s*:\s*"')
_VALUE = re.compile(r'"value"\s*:\s*(-?\d+(?:\.\d+)?)')
_NOT_FOUND = re.compile(r"not (?:be )?found in the (?:filings?|documents?|excerpts?|text)", re.I)
_NUM = re.compile(r"\(?-?\$?\s?\d[\d,]*(?:\.\d+)?\)?\s?%?")


class ParsedFinal:
    def __init__(
        self,
        answer: str,
        number: NumberValue | None,
        citations: list[Citation],
        confidence: str,
        not_found: bool,
    ) -> None:
        self.answer = answer
        self.number = number
        self.citations = citations
        self.confidence = confidence
        self.not_found = not_found


def _as_float(v: Any) -> float | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, int | float):
        return float(v)
    m = _NUM.search(str(v))
    if not m:
        return None
    s = m.group(0)
    neg = s.strip().startswith("(") and s.strip().endswith(")") or "-" in s
    digits = re.sub(r"[^\d.]", "", s)
    try:
        x = float(digits)
    except ValueError:
        return None
    return -x if neg else x


def salvage_final(raw: str) -> dict[str, Any] | None:
    """The ``answer`` (and ``value``) of a final_answer call cut off by max_tokens.

    A call truncated mid-JSON cannot be parsed, yet its answer string was usually written in
    full or in part before the cut; an analyst is better served by that text than by nothing.
    """
    ends = [i for i, ch in enumerate(raw) if ch == "}"][-20:]
    for end in reversed(ends):  # the longest prefix that closes into an object: keeps citations
        try:
            obj = loads_lenient(raw[: end + 1])
        except ValueError:
            continue
        args = obj.get("arguments", obj) if isinstance(obj, dict) else None
        if (
            isinstance(args, dict)
            and isinstance(args.get("answer"), str)
            and args["answer"].strip()
        ):
            return args
    m = _ANSWER_START.search(raw)
    if m is None:
        return None
    i = m.end()
    while i < len(raw) and raw[i] != '"':
        i += 2 if raw[i] == "\\" else 1
    frag = raw[m.end() : min(i, len(raw))]
    # a cut inside an escape (a lone backslash or a short \uXXXX) is dropped
    frag = re.sub(r"\\(?:u[0-9a-fA-F]{0,3})?$", "", frag)
    try:
        answer = json.loads(f'"{frag}"')
    except json.JSONDecodeError:
        answer = frag
    answer = answer.strip()
    if not answer:
        return None
    out: dict[str, Any] = {"answer": answer, "citations": []}
    v = _VALUE.search(raw)
    if v is not None:
        out["value"] = float(v.group(1))
    return out


_UNIT_WORDS = re.compile(r"\b(?:usd|dollars?|thousands?|millions?|billions?|percent)\b", re.I)


def bare_value(answer: str) -> NumberValue | None:
    """The number of an answer that is one figure and its unit ("-1,577", "8.7 USD billions"),
    for a final answer whose ``value`` field was left empty; None for a sentence."""
    found = extract_numbers(answer)
    if len(found) != 1:
        return None
    rest = _UNIT_WORDS.sub(" ", answer.replace(found[0].text, " "))
    if re.search(r"[A-Za-z0-9]", rest):
        return None
    unit = found[0].unit
    words = _UNIT_WORDS.findall(answer)
    return NumberValue(
        value=found[0].value, unit=" ".join(words) if words and not unit else unit, text=answer
    )


def parse_final(args: dict[str, Any]) -> ParsedFinal:
    """Lenient: small models put numbers in strings, drop fields or nest citations oddly."""
    answer = str(args.get("answer") or args.get("text") or "").strip()
    value = _as_float(args.get("value"))
    unit = args.get("unit")
    number = None
    if value is not None:
        number = NumberValue(value=value, unit=str(unit) if unit else None, text=answer)
    else:
        number = bare_value(answer)
    cites: list[Citation] = []
    raw = args.get("citations") or []
    if isinstance(raw, dict):
        raw = [raw]
    for c in raw if isinstance(raw, list) else []:
        if not isinstance(c, dict):
            continue
        doc = str(c.get("doc") or c.get("document") or c.get("doc_id") or "")
        try:
            page = int(str(c.get("page", 0)).strip().lstrip("p. "))
        except ValueError:
            page = 0
        quote = str(c.get("quote") or c.get("text") or "").strip()
        if doc and quote:
            cites.append(Citation(doc_id=doc, doc_name=doc, page=max(page, 1), quote=quote))
    conf = str(args.get("confidence") or "medium").lower()
    if conf not in ("high", "medium", "low"):
        conf = "medium"
    return ParsedFinal(answer, number, cites, conf, bool(_NOT_FOUND.search(answer)))


def build_answer(
    *,
    question: str,
    mode: AnswerMode,
    model: str,
    args: dict[str, Any],
    reads: dict[tuple[str, int], str],
    doc_names: dict[str, str],
    notes: list[str],
    trace: Trace,
    thread_id: str | None = None,
    shown: str = "the pages read",
) -> Answer:
    """The one place an ``Answer`` is assembled from a final_answer call's arguments (every
    mode, agent included): citations checked against ``reads`` (what the model was shown,
    ``shown`` in the note about misses); confidence is kept only when a citation was found,
    except closed-book, which has nothing to cite."""
    parsed = parse_final(args)
    cites = verify_citations(parsed.citations, reads, doc_names)
    notes = list(notes)
    if any(not c.verified for c in cites):
        notes.append(f"{sum(not c.verified for c in cites)} citation(s) not found in {shown}")
    keep = any(c.verified for c in cites) or mode == "closed-book"
    return Answer(
        question=question,
        mode=mode,
        model=model,
        answer=parsed.answer or "(empty answer)",
        number=parsed.number,
        citations=cites,
        confidence=parsed.confidence if keep else "low",  # type: ignore[arg-type]
        not_found=parsed.not_found,
        notes=notes,
        thread_id=thread_id,
        trace=trace,
    )
