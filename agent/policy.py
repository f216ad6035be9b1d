"""Navigation policies of the agent loop.

``free``: the model alone chooses every step (a strong server model). ``guided`` (small
models): the loop takes over what a small model does badly and leaves it the choices it can
make. The first observation is retrieval's evidence plus the chosen filing's outline with its
statement pages (and its fact rows); guards answer known habits with the next step; a
multi-part question comes with a plan of sub-lookups; arithmetic runs in code. It is still an
agent: the model chooses every tool call and writes the answer.

Each piece can be switched off alone (ablations): :class:`GuidedConfig`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, Literal

from pydantic import BaseModel

from docnav.agent import arith, compose, decide, facts_view, guards
from docnav.agent.final import bare_value, parse_final
from docnav.agent.first_look import build_first_look
from docnav.agent.llm.base import ToolCall
from docnav.agent.question import read_question
from docnav.errors import DocnavError
from docnav.retrieval.query import analyze_query
from docnav.tools.access import ToolError
from docnav.tools.base import PageRead, Tool, ToolContext, ToolResult

Policy = Literal["guided", "free"]
PIECES = ("first", "facts", "repeat", "notfound", "tools", "plan", "calc", "lean", "once")
# the guided tool subset: fixed per policy, so the tool list stays byte-identical across calls
GUIDED_TOOLS = ("list_documents", "outline", "read_section", "read_pages", "search", "calculator")
# tools no guided run called (results/answers-cost: 77 traced runs): the first look names the
# filing and its pages, a wrong doc id is answered with the company's filings, and read_pages
# reads any section; their specs cost ~220 prompt tokens a call
LEAN_UNOFFERED = ("list_documents", "read_section")
# tools that show snippets or rows, not whole pages: a page they touch still counts as unread
# for the guards (the citation checker still accepts quotes from what they showed)
SNIPPET_TOOLS = ("search", "facts", "grep")
# The first look is sent with every call of a run: ~6,000 characters (~2,000 tokens) keep a
# run's prompt tokens near rag's x 4 while still holding retrieval's top passages, the outline
# and the fact rows (12,000 in the first measurement cost ~35k prompt tokens a question).
FIRST_LOOK_CHARS = 6000
# A reasons or description question gets no fact rows; its answer is in the passages
# themselves, so it is shown them whole, as rag shows them (8 chunks), not cut to stubs that
# send a small model paging through Item 7 until the budget ends.
FIRST_LOOK_CHARS_PROSE = 11000


class GuidedConfig(BaseModel):
    """Which pieces of the guided policy are on (all by default)."""

    first: bool = True  # retrieval hits + outline with statement pages as the first observation
    facts: bool = True  # statement fact rows for the question's line items (when facts exist)
    repeat: bool = True  # a repeated call gets the earlier result's pointer and the next pages
    notfound: bool = True  # "not found" before the named pages were read gets those pages
    tools: bool = True  # the smaller tool set (GUIDED_TOOLS)
    plan: bool = True  # multi-part questions planned as sub-lookups
    calc: bool = True  # arithmetic in code: the answer's value from the calculator
    # fewer prompt tokens a call (agent/specs.py; results/answers-cost): the lean tool list, the
    # outline cut to the statements and the sections the question names; off = as before
    lean: bool = True
    # a guard that would fire twice stops after once: a second repeated call (or one with
    # every named page read) gets final_answer as the only tool next; a second computation
    # for a one-value question runs. Off = the guards as before
    once: bool = True

    @classmethod
    def from_off(cls, off: str | None) -> GuidedConfig:
        """From a comma-separated list of pieces switched off ("repeat,plan")."""
        names = [x.strip().lower() for x in (off or "").split(",") if x.strip()]
        bad = [x for x in names if x not in PIECES]
        if bad:
            raise DocnavError(
                f"unknown guided piece(s) {', '.join(bad)}; choose from {', '.join(PIECES)}"
            )
        return cls(**{x: False for x in names})

    def off(self) -> list[str]:
        return [k for k in PIECES if not getattr(self, k)]


def resolve_policy(policy: str, backend: str) -> Policy:
    """``auto``: guided for the embedded (local) model, free for server backends."""
    if policy in ("guided", "free"):
        return policy  # type: ignore[return-value]
    if policy != "auto":
        raise DocnavError(f"unknown agent policy {policy!r}; choose guided, free or auto")
    return "guided" if backend == "local" else "free"


def facts_tool() -> Tool | None:
    """The statement-facts tool, where it exists (built under issue 19 item 2)."""
    try:
        from docnav.tools.facts import Facts  # type: ignore[import-not-found]
    except ImportError:
        return None
    return Facts()


def policy_tools(policy: Policy, cfg: GuidedConfig | None = None) -> list[Tool]:
    from docnav.tools import default_tools

    tools = default_tools()  # the free loop's list, whatever it holds
    if policy == "free":
        return tools
    cfg = cfg or GuidedConfig()
    extra = facts_tool()
    if extra is not None and all(t.name != extra.name for t in tools):
        tools.insert(-1, extra)  # before the calculator
    if cfg.tools:
        keep = (*GUIDED_TOOLS, extra.name if extra is not None else "")
        tools = [t for t in tools if t.name in keep]
    if cfg.tools and cfg.lean:
        tools = [t for t in tools if t.name not in LEAN_UNOFFERED]
    if not cfg.facts and extra is not None:
        tools = [t for t in tools if t.name != extra.name]
    return tools


class Start(BaseModel):
    text: str  # appended to the question as the first observation
    reads: list[PageRead]
    memo: dict[str, Any]
    summary: str


class GuidedPolicy:
    """The hooks the loop calls when the policy is guided. Per-run state lives in ``memo``
    (kept in the loop's checkpointed state), never on this object, so runs can interleave."""

    name: Policy = "guided"

    def __init__(
        self,
        cfg: GuidedConfig,
        retrieve: Callable[[str], Any] | None = None,
        max_chars: int = 12000,
    ) -> None:
        self.cfg = cfg
        self.retrieve = retrieve  # question -> SearchResult: the same search rag mode runs
        self.max_chars = max_chars

    # -- the first observation -------------------------------------------------------------
    def start(self, question: str, ctx: ToolContext) -> Start:
        qr = read_question(question)
        analysis = analyze_query(question, ctx.store.list_documents())
        hits: list[Any] = []
        note = ""
        if self.retrieve is not None:
            try:
                res = self.retrieve(question)
                hits = list(getattr(res, "hits", res))
            except Exception as e:  # noqa: BLE001 - no index yet: the model searches itself
                note = f"(retrieval failed: {e})"
        look = build_first_look(
            question,
            qr,
            analysis,
            hits,
            ctx,
            show_hits=self.cfg.first,
            show_facts=self.cfg.facts,
            show_plan=self.cfg.plan,
            lean=self.cfg.lean,
            max_chars=min(
                self.max_chars, FIRST_LOOK_CHARS_PROSE if qr.qualitative else FIRST_LOOK_CHARS
            ),
        )
        memo = {
            "calls": {},
            "n": 0,
            "todo": [asdict(e) for e in look.todo],
            "statements": [asdict(e) for e in look.statements],
            "refs": look.refs if self.cfg.calc else {},
            # a value computed in code from the statement rows counts as the calculation
            # unless the model calls calculator itself (then its own is the last)
            "calcs": [look.suggested] if look.suggested and self.cfg.calc else [],
            "calc_q": qr.calc or look.across,  # a change or difference across filings
            "best": look.best if self.cfg.facts else None,
            "decision": look.decision if self.cfg.calc else None,
            # a total / adjusted figure composed in code: a different number is sent back once
            "composed": look.composed if self.cfg.calc else None,
            "yes_no": qr.yes_no,
            "qualitative": qr.qualitative,
            "reasons": qr.reasons,
            "question": question,
            "formula": qr.formula,
            "companies": analysis.companies,
            "chosen": look.chosen,
            "bounced": [],
            "opened": [],  # [doc_id, page0] shown whole (not as a hit's snippet or a fact row)
        }
        text = "\n\n".join(x for x in (look.text, note) if x)
        return Start(text=text, reads=look.reads, memo=memo, summary=look.summary)

    # -- tool calls ----------------------------------------------------------------------
    def on_call(
        self,
        call: ToolCall,
        memo: dict[str, Any],
        read: set[tuple[str, int]],
        run_tool: guards.RunTool,
        ctx: ToolContext,
    ) -> ToolResult:
        """Run one call under the guards; ``memo`` is updated in place. ``read`` (every page
        shown, snippets included) is for citations; the guards go by :func:`_opened`."""
        key = guards.call_key(call.name, call.arguments)
        memo["n"] = memo.get("n", 0) + 1
        earlier = memo["calls"].get(key)
        if earlier is not None and self.cfg.repeat:
            res = guards.repeat_reply(call.name, earlier, memo["todo"], _opened(memo), run_tool)
            _open(memo, res)  # what it opened is whole pages, whatever the repeated tool was
            if self.cfg.once:
                res = guards.answer_now(res, memo)
        elif (
            call.name == "calculator"
            and self.cfg.calc
            and self._combines(call, memo)
            and not (self.cfg.once and "lookup" in memo.get("bounced", []))
        ):
            res = guards.lookup_reply(arith.references(self._expr(call)), memo.get("refs", {}))
            memo.setdefault("bounced", []).append("lookup")
        elif call.name == "calculator" and self.cfg.calc:
            res = self._calculate(call, memo)
        else:
            res = run_tool(call.name, self._narrowed(call, memo, ctx))
            if not res.ok and "no document" in res.text:
                res = res.model_copy(
                    update={
                        "text": guards.unknown_doc_hint(res.text, self._company_docs(ctx, memo))
                    }
                )
        if call.name not in SNIPPET_TOOLS:
            _open(memo, res)
        if earlier is None:
            memo["calls"][key] = {
                "n": memo["n"],
                "ok": res.ok,
                "summary": res.summary or res.text[:160],
            }
        return res

    @staticmethod
    def _narrowed(call: ToolCall, memo: dict[str, Any], ctx: ToolContext) -> dict[str, Any]:
        """A grep the model left unfiltered runs over the company of the filing the first
        look chose (its other years and forms included), never over the whole corpus."""
        args = dict(call.arguments or {})
        if call.name != "grep" or any(args.get(k) for k in ("doc", "company", "form", "year")):
            return args
        company = (memo.get("companies") or [None])[0]
        if not company and memo.get("chosen"):
            company = ctx.store.get_document(memo["chosen"]).meta.company
        if company:
            args["company"] = company
        return args

    @staticmethod
    def _expr(call: ToolCall) -> str:
        return str((call.arguments or {}).get("expression") or "").strip()

    def _combines(self, call: ToolCall, memo: dict[str, Any]) -> bool:
        """A calculation over two or more values for a question that asks for one value
        (a unit conversion, one value and constants, still runs)."""
        if memo.get("calc_q") or memo.get("formula"):
            return False  # a ratio behind a yes/no ("capital-intensive?") is computed too
        expr = self._expr(call)
        return len(arith.references(expr)) + len(arith.literals(expr)) >= 2

    def _calculate(self, call: ToolCall, memo: dict[str, Any]) -> ToolResult:
        expr = self._expr(call)
        if not expr:
            return ToolResult(text="Error: calculator needs an expression.", ok=False)
        try:
            value, used = arith.evaluate_named(expr, memo.get("refs", {}))
        except ToolError as e:
            return ToolResult(text=f"Error: calculator failed: {e}", ok=False, summary=str(e))
        memo["calcs"].append({"expr": expr, "value": value, "refs": used})
        with_refs = "".join(
            f"\n{r} = {memo['refs'][r]['shown']} ({memo['refs'][r]['label']}, "
            f"{memo['refs'][r]['period']})"
            for r in used
        )
        return ToolResult(
            text=f"{expr} = {arith.shown(value)}{with_refs}", summary=f"= {arith.shown(value)}"
        )

    def _company_docs(self, ctx: ToolContext, memo: dict[str, Any]) -> list[Any]:
        names = list(memo.get("companies") or [])
        if not names and memo.get("chosen"):
            company = ctx.store.get_document(memo["chosen"]).meta.company
            names = [company] if company else []
        docs = []
        for c in names:
            docs += ctx.store.list_documents(company=c)
        return docs

    # -- the final answer --------------------------------------------------------------------
    def review_final(
        self,
        args: dict[str, Any],
        memo: dict[str, Any],
        read: set[tuple[str, int]],
        run_tool: guards.RunTool,
    ) -> ToolResult | None:
        """A final answer sent back once with what to do instead, or None to accept it."""
        parsed = parse_final(args)
        refused = guards.is_refusal(parsed.answer, parsed.not_found)
        bounced = memo.setdefault("bounced", [])
        if refused and self.cfg.notfound and "notfound" not in bounced:
            named = [e for e in memo["todo"] if e["why"] != "top search hit"]
            res = guards.not_found_reply(
                named or memo["statements"], _opened(memo), run_tool, self.max_chars
            )
            if res is not None:
                bounced.append("notfound")
                _open(memo, res)
                return res
        decision = memo.get("decision")
        if (
            not refused
            and decision
            and "decision" not in bounced
            and not decide.agrees(parsed.answer or "", decision)
        ):
            bounced.append("decision")
            return guards.decision_reply(decision)
        if (
            not refused
            and memo.get("yes_no")
            and "yesno" not in bounced
            and not re.match(r"\W*(?:yes|no)\b", parsed.answer or "", re.I)
        ):
            bounced.append("yesno")
            return guards.yes_no_reply()
        if (
            not refused
            and memo.get("qualitative")
            and "words" not in bounced
            and guards.bare_number(parsed.answer or "")
        ):
            bounced.append("words")
            return guards.words_reply()
        if (
            not refused
            and memo.get("reasons")
            and "reasons" not in bounced
            and not guards.names_a_cause(parsed.answer or "")
        ):
            bounced.append("reasons")
            return guards.reasons_reply()
        if not refused and self.cfg.calc:
            back = compose.check_answer(parsed.number.value if parsed.number else None, memo)
            if back is not None:
                return back
        best = memo.get("best")
        if (
            not refused
            and best
            and not memo.get("calc_q")
            and "best" not in bounced
            and parsed.number is not None
            and not guards.agrees(parsed.number.value, best["value"])
        ):
            bounced.append("best")
            return guards.best_row_reply(best, parsed.number.value)
        if (
            not refused
            and self.cfg.calc
            and memo.get("calc_q")
            and not memo.get("calcs")
            and "calc" not in bounced
            and parsed.number is not None
        ):
            bounced.append("calc")
            return guards.calc_reply(memo.get("formula"))
        return None

    def finalize(
        self,
        args: dict[str, Any],
        memo: dict[str, Any],
        reads: dict[tuple[str, int], str],
        order: list[tuple[str, int]],
    ) -> tuple[dict[str, Any], list[str]]:
        """The answer's value from the evaluation, citations from the values used."""
        if not self.cfg.calc:
            return args, []
        args = dict(args)
        notes: list[str] = []
        kept = _kept_off_row_answer(args, memo) or _rescaled_bare(args, memo)
        if kept:
            return kept
        answer = str(args.get("answer") or "")
        fixed, stated = arith.recompute_stated(answer)
        if fixed != answer:
            answer = fixed
            notes.append("arithmetic written in the answer redone in code")
            if stated is not None:
                args["value"] = stated
        calcs = memo.get("calcs") or []
        decided = _decided(answer, memo.get("decision"))
        if decided:
            answer, cites, note = decided
            args["citations"] = list(args.get("citations") or []) + cites
            notes.append(note)
            if not (memo.get("decision") or {}).get("with_calc"):
                calcs = []  # the decision's figures stand for the calculation
        if memo.get("calc_q") and calcs:
            c = calcs[-1]
            value = c["value"]
            args["value"] = round(value, 6)
            if arith.shown(value) not in answer:
                answer = f"{answer.rstrip()} (calculator: {c['expr']} = {arith.shown(value)})"
            cites = list(args.get("citations") or [])
            cites += arith.sources(arith.literals(c["expr"]), reads, order)
            for r in c.get("refs", []):
                f = memo["refs"].get(r)
                if f:
                    cites.append({"doc": f["doc"], "page": f["page"] + 1, "quote": f["label"]})
            args["citations"] = cites
            notes.append(f"value from the calculator: {c['expr']} = {arith.shown(value)}")
        args["answer"] = answer
        return args, notes


def _kept_off_row_answer(
    args: dict[str, Any], memo: dict[str, Any]
) -> tuple[dict[str, Any], list[str]] | None:
    """A one-value answer the model kept after being shown the best statement row, with a
    number on no row of the same item: the row's value replaces it (a small model repeats an
    unrelated figure; a number it took from another row of the item is its choice and stays)."""
    best = memo.get("best")
    if not best or memo.get("calc_q") or "best" not in memo.get("bounced", []):
        return None
    number = parse_final(args).number
    if number is None or guards.agrees(number.value, best["value"]):
        return None
    # a row of the same item (another period's column, the note that repeats it) is its
    # choice; "Total assets" kept for "net PPNE" is not
    item = facts_view.specific_words(best["label"]) | facts_view.asked_words(
        memo.get("question", "")
    )
    if any(
        guards.agrees(number.value, r["value"]) and facts_view.specific_words(r["label"]) & item
        for r in (memo.get("refs") or {}).values()
    ):
        return None
    text, value, unit = guards.best_row_answer(best, memo.get("question", ""))
    out = dict(args)
    out.update(answer=text, value=round(value, 6), unit=unit)
    out["citations"] = [{"doc": best["doc"], "page": best["page"], "quote": best["label"]}]
    return out, [f"value from the statement row {best['ref']} (the model kept {number.text})"]


def _rescaled_bare(
    args: dict[str, Any], memo: dict[str, Any]
) -> tuple[dict[str, Any], list[str]] | None:
    """A bare figure with no unit that is the best row's value by a power of 1,000 ("-1.577"
    for the row's "-1,577 USD millions"): the row, written in the scale the question asks."""
    best = memo.get("best")
    if not best or memo.get("calc_q"):
        return None
    answer = str(args.get("answer") or "")
    number = bare_value(answer)
    if number is None or number.unit or not guards.agrees(number.value, best["value"]):
        return None
    if guards.agrees(number.value, best["value"], scales=(0,)):
        return None  # the row's own figure as shown
    text, value, unit = guards.best_row_answer(best, memo.get("question", ""))
    out = dict(args)
    out.update(answer=text, value=round(value, 6), unit=unit)
    out["citations"] = [{"doc": best["doc"], "page": best["page"], "quote": best["label"]}]
    return out, [f"value from the statement row {best['ref']} (the model wrote {answer}, no unit)"]


def _decided(
    answer: str, decision: dict[str, Any] | None
) -> tuple[str, list[dict[str, Any]], str] | None:
    """A yes/no or direction decided in code from the rows: an answer that kept the other
    word (after being sent back once) is replaced by the decision; one that agrees gets the
    figures behind it when it left them out."""
    if not decision:
        return None
    if not decide.agrees(answer, decision):
        text = f"{decision['word']}: {decision['why']}."
        return text, decision["cites"], f"answer decided in code ({decision['why']})"
    if decision["why"] in answer:
        return answer, decision["cites"], "answer agrees with the decision computed in code"
    text = f"{answer.rstrip()} ({decision['why']})"
    return text, decision["cites"], "figures of the decision computed in code added"


def _opened(memo: dict[str, Any]) -> set[tuple[str, int]]:
    return {(d, int(p)) for d, p in memo.get("opened", [])}


def _open(memo: dict[str, Any], res: ToolResult) -> None:
    memo.setdefault("opened", []).extend([r.doc_id, r.page] for r in res.reads)
