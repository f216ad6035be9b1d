"""The LLM judge for sentence answers, and the grader that picks a checker for each answer.

The judge sees the question, the reference answer and the candidate answer under one fixed
prompt and answers through a ``verdict`` tool (yes / partial / no plus a one-sentence reason),
so a grammar-constrained local model cannot answer off-format. Any ChatModel works: the
judge may be a different backend from the model being graded (``--judge-backend``).

:class:`Grader` decides each row with exactly one checker and records which: a numeric gold
goes to the numeric verifier, a refusal is counted apart, a sentence answer goes to the judge
(or stays "unjudged" when there is none).
"""

from __future__ import annotations

import time
from typing import Literal

from pydantic import BaseModel

from docnav.agent.llm.base import ChatMessage, ChatModel, LLMError, ToolSpec
from docnav.bench.checkers import Verdict, check_numeric, is_refusal, opposite_polarity

JUDGE_SYSTEM = """You grade answers to questions about company filings (10-K, 10-Q, 8-K).
You are given a question, a REFERENCE answer written by a financial analyst, and a CANDIDATE
answer. Decide whether the candidate gives the same answer as the reference.

- yes: the candidate states the reference's key facts or conclusion (a yes/no, the named
  items, the direction of a change, the figures). Numbers may be rounded or written in other
  units ($1.8 bn = $1,800 million); extra detail and different wording are fine.
- partial: part of the reference's key content is right, but an important part is missing or
  wrong.
- no: the candidate contradicts the reference, misses its key point, answers a different
  question, or does not answer.

Judge only against the reference, never by your own knowledge of the company. Call the
verdict tool with a short one-sentence reason and your verdict."""

VERDICT_TOOL = ToolSpec(
    name="verdict",
    description="Record the grade of the candidate answer.",
    parameters={
        "type": "object",
        "properties": {
            "reason": {"type": "string", "description": "One sentence: why."},
            "verdict": {"type": "string", "enum": ["yes", "partial", "no"]},
        },
        "required": ["reason", "verdict"],
    },
)
# Prompt history, each validated on 40 human-labelled rows (results/checkers/report.md):
# v1 (this one: reason, verdict); v2 extracted the reference's and the candidate's answers first
# and the 1.5B model copied the reference as the candidate's answer (aborted); v3 extracted the
# candidate's conclusion only. On the held-out sample (seed 1) v1 and v3 agree with the human
# labels equally (62.5% vs 60.0%, kappa 0.25 vs 0.20) and v1 writes 60 instead of 97 tokens
# per call with no failed calls, so v1 is kept.
JUDGE_PROMPT_VERSION = "v1"


JudgeVerdict = Literal["yes", "partial", "no"]


class JudgeResult(BaseModel):
    verdict: JudgeVerdict | None  # None: the judge failed (backend error, unparsable)
    reason: str = ""
    seconds: float = 0.0
    tokens_in: int = 0
    tokens_out: int = 0


def _clip(text: str, head: int = 500, tail: int = 800) -> str:
    """Long worked answers keep their start and their conclusion."""
    text = (text or "").strip()
    if len(text) <= head + tail + 20:
        return text
    return f"{text[:head]}\n[...]\n{text[-tail:]}"


def judge_answer(
    model: ChatModel, question: str, reference: str, candidate: str, max_tokens: int = 120
) -> JudgeResult:
    """One judge call under the fixed prompt."""
    user = (
        f"QUESTION:\n{question.strip()}\n\nREFERENCE ANSWER:\n{_clip(reference)}\n\n"
        f"CANDIDATE ANSWER:\n{_clip(candidate)}"
    )
    msgs = [
        ChatMessage(role="system", content=JUDGE_SYSTEM),
        ChatMessage(role="user", content=user),
    ]
    t0 = time.monotonic()
    try:
        resp = model.chat(msgs, [VERDICT_TOOL], max_tokens=max_tokens, tool_choice="required")
    except LLMError as e:
        return JudgeResult(verdict=None, reason=f"judge error: {e}", seconds=time.monotonic() - t0)
    secs = round(time.monotonic() - t0, 3)
    args = next((c.arguments for c in resp.message.tool_calls if c.name == "verdict"), None)
    verdict, reason = None, ""
    if args:
        v = str(args.get("verdict", "")).strip().lower()
        verdict = v if v in ("yes", "partial", "no") else None
        reason = str(args.get("reason", ""))[:400]
    else:  # a backend without tool calls: read the verdict word from the text
        text = (resp.message.content or "").lower()
        for w in ("partial", "yes", "no"):
            if w in text.split():
                verdict = w
                break
        reason = (resp.message.content or "")[:400]
    return JudgeResult(
        verdict=verdict,  # type: ignore[arg-type]
        reason=reason or "(no reason given)",
        seconds=secs,
        tokens_in=resp.usage.prompt_tokens,
        tokens_out=resp.usage.completion_tokens,
    )


class Grader:
    """Grades one answer with one checker; ``judge`` None leaves sentence answers unjudged."""

    def __init__(
        self,
        judge: ChatModel | None = None,
        tol: float = 0.01,
        loose_tol: float = 0.025,
    ) -> None:
        self.judge = judge
        self.tol = tol
        self.loose_tol = loose_tol

    def grade(
        self,
        question: str,
        gold: str,
        answer: str,
        *,
        not_found: bool = False,
        number: float | None = None,
        number_unit: str | None = None,
        gold_value: float | None = None,
        gold_unit: str | None = None,
    ) -> Verdict:
        num = check_numeric(
            gold,
            answer,
            question=question,
            structured=number,
            structured_unit=number_unit,
            gold_value=gold_value,
            gold_unit=gold_unit,
            tol=self.tol,
            loose_tol=self.loose_tol,
        )
        if num is not None and num.outcome == "correct":
            return num
        if is_refusal(answer, not_found):
            return Verdict(outcome="refusal", checker="refusal", detail=answer[:120])
        if num is not None:
            return num
        flip = opposite_polarity(gold, answer)
        if flip:
            return Verdict(outcome="incorrect", checker="polarity", detail=flip)
        if self.judge is None:
            return Verdict(outcome="unjudged", checker="none", detail="sentence answer, no judge")
        r = judge_answer(self.judge, question, gold, answer)
        if r.verdict is None:
            return Verdict(outcome="error", checker="judge", detail=r.reason)
        outcome = {"yes": "correct", "partial": "partial", "no": "incorrect"}[r.verdict]
        return Verdict(outcome=outcome, checker="judge", detail=r.reason)  # type: ignore[arg-type]
