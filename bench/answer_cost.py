"""Where a guided agent run's prompt tokens go (issue 19), without running the model.

Every model call resends the system prompt, the tool list, the question with its first look
and the history so far; a run's prompt tokens are the sum over its calls. From a committed
run's traces (answers.jsonl: each model call's prompt and completion tokens, each tool step
and each guard's note) the sum splits exactly into

- the fixed part (system prompt + tool list, counted with the model's own tokenizer and chat
  template) x calls,
- the question and its first look (the first call's prompt less the fixed part) x calls,
- each later history entry (a tool result, a guard's send-back, the model's own call) x the
  calls made after it.

The first look is split by section (retrieval hits, fact rows, plan, outline, ...) by building
it again for the questions (the same code the agent runs, LLM-free), lean off and on.

    python -m docnav.bench.answer_cost runs results/answers-dev60-guided3/answers.jsonl ...
    DOCNAV_HOME=... python -m docnav.bench.answer_cost first-look questions.txt --out f.json
    python -m docnav.bench.answer_cost report --out results/answers-cost
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from docnav.agent.llm.base import ToolSpec

Count = Callable[[str], int]
MODEL = Path("/root/.cache/docnav-test/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf")
CHARS_PER_TOKEN = 3.6  # used only when the tokenizer cannot be loaded

# a guard's note or error summary -> the guard (agent/guards.py, agent/policy.py)
GUARDS = {
    "repeated ": "repeat",
    "refusal answered": "notfound",
    "computed figure without the calculator": "calc",
    "a computation for a single-value": "lookup",
    "a yes/no question answered": "yesno",
    "against the direction computed": "decision",
    "reasons/description question answered": "words",
    "not the best statement row": "best",
}
# first-look sections in the order build_first_look may place them, by their first words
SECTIONS = {
    "hits": ("Top ", "Retrieval found no passage"),
    "plan": ("Plan (",),
    "facts": ("Statement line items",),
    "outline": ("Outline of ",),
    "pointer": ("The question needs the ",),
    "prose/yes-no line": ("The question asks",),
}


# -- tokens ----------------------------------------------------------------------------------
class Tokenizer:
    """The GGUF's tokenizer and chat template (llama.cpp, vocab only: no weights loaded)."""

    def __init__(self, model_path: Path = MODEL) -> None:
        import llama_cpp
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.llm = llama_cpp.Llama(model_path=str(model_path), vocab_only=True, verbose=False)
        template = self.llm.metadata["tokenizer.chat_template"]
        self.fmt = Jinja2ChatFormatter(template=template, eos_token="<|im_end|>", bos_token="")

    def count(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def prompt(self, system: str, user: str, specs: list[ToolSpec]) -> int:
        msgs = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        tools = [s.openai() for s in specs] or None
        return self.count(self.fmt(messages=msgs, tools=tools).prompt)


def counter() -> tuple[Count, Tokenizer | None, str]:
    """The model's tokenizer where it loads, else characters / 3.6; and which it is."""
    try:
        tok = Tokenizer()
        return tok.count, tok, f"tokenizer of {MODEL.name}"
    except Exception as e:  # noqa: BLE001 - no llama_cpp or no GGUF: estimate, and say so
        return (lambda t: round(len(t) / CHARS_PER_TOKEN)), None, f"chars/3.6 ({e})"


def fixed_part(tok: Tokenizer | None, count: Count) -> dict[str, Any]:
    """System prompt + tool list of a guided call, whole and lean, in tokens."""
    from docnav.agent.policy import GuidedConfig, policy_tools
    from docnav.agent.prompts import GUIDED_SYSTEM
    from docnav.agent.specs import tool_specs

    out: dict[str, Any] = {}
    for name, lean in (("whole", False), ("lean", True)):
        specs = tool_specs(policy_tools("guided", GuidedConfig(lean=lean)), lean=lean)
        per_tool = {s.name: count(json.dumps(s.openai())) for s in specs}
        if tok is not None:
            total = tok.prompt(GUIDED_SYSTEM, "", specs)
            system = tok.prompt(GUIDED_SYSTEM, "", [])
        else:
            system = count(GUIDED_SYSTEM)
            total = system + sum(per_tool.values())
        out[name] = {
            "total": total,
            "system": system,
            "tools": total - system,
            "per_tool": per_tool,
        }
    return out


# -- traces ----------------------------------------------------------------------------------
def _label(events: list[dict[str, Any]]) -> str:
    """What was added to the history between two model calls."""
    for e in events:
        for key, guard in GUARDS.items():
            if key in (e.get("summary") or ""):
                return f"guard: {guard}"
    for e in events:
        if e["kind"] == "tool":
            return f"tool: {e.get('tool')}"
        if e["kind"] == "error":
            return f"tool error: {e.get('tool')}"
    return "note: " + (events[0].get("summary", "")[:30] if events else "none")


def trace_cost(trace: dict[str, Any], fixed: int) -> dict[str, Any] | None:
    """One run's prompt tokens split by what they resent; exact: the parts sum to tokens_in."""
    steps = [s for s in trace.get("steps", []) if s.get("tool") != "first_look"]
    model = [i for i, s in enumerate(steps) if s["kind"] == "model"]
    if not model:
        return None
    calls = len(model)
    first = steps[model[0]]["tokens_in"]
    parts: Counter[str] = Counter()
    parts["system + tools"] = fixed * calls
    parts["question + first look"] = (first - fixed) * calls
    guards: list[str] = []
    added: list[dict[str, Any]] = []
    for k, i in enumerate(model[:-1]):
        j = model[k + 1]
        later = calls - 1 - k  # calls that resend what call k and its result added
        out_k = steps[i]["tokens_out"]
        delta = steps[j]["tokens_in"] - steps[i]["tokens_in"] - out_k
        label = _label(steps[i + 1 : j])
        parts["model's own calls"] += out_k * later
        parts[label] += delta * later
        events = " | ".join(e.get("summary") or "" for e in steps[i + 1 : j])
        added.append({"label": label, "tokens": delta, "resent": later, "events": events[:120]})
        if label.startswith("guard: "):
            guards.append(label[7:])
    total = sum(s["tokens_in"] for s in steps if s["kind"] == "model")
    return {
        "calls": calls,
        "tokens_in": total,
        "prompts": [steps[i]["tokens_in"] for i in model],
        "first_prompt": first,
        "parts": dict(parts),
        "added": added,
        "guards": guards,
        "check": total - sum(parts.values()),  # 0 by construction
    }


def run_cost(path: Path, fixed: int, variant: str | None = None) -> dict[str, Any]:
    """Every traced row of an answers.jsonl (one variant), and the aggregates."""
    rows = []
    for line in path.read_text().splitlines():
        r = json.loads(line)
        if variant and r.get("variant") != variant:
            continue
        trace = (r.get("answer") or {}).get("trace") or {}
        c = trace_cost(trace, fixed)
        if c is not None:
            rows.append({"id": r["id"], "status": r.get("status"), **c})
    return {"answers": str(path), "rows": rows, **aggregate(rows)}


def rag_median(path: Path) -> float:
    """Median prompt tokens of a run's rag rows (one call each)."""
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    tokens = [
        ((r.get("answer") or {}).get("trace") or {}).get("tokens_in") or 0
        for r in rows
        if r.get("variant") == "rag"
    ]
    return statistics.median(t for t in tokens if t)


def aggregate(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(rows) or 1
    parts: Counter[str] = Counter()
    for r in rows:
        parts.update(r["parts"])
    fired: Counter[str] = Counter(g for r in rows for g in r["guards"])
    twice: Counter[str] = Counter()
    for r in rows:
        twice.update(g for g, c in Counter(r["guards"]).items() if c > 1)
    sizes: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        for a in r["added"]:
            sizes[a["label"]].append(a["tokens"])
    return {
        "questions": len(rows),
        "median_calls": statistics.median(r["calls"] for r in rows) if rows else None,
        "median_tokens_in": statistics.median(r["tokens_in"] for r in rows) if rows else None,
        "mean_tokens_in": round(sum(r["tokens_in"] for r in rows) / n),
        "mean_first_prompt": round(sum(r["first_prompt"] for r in rows) / n),
        "mean_parts": {k: round(v / n) for k, v in parts.most_common()},
        "guard_fired": dict(fired),
        "guard_fired_twice_in_a_run": dict(twice),
        "added_tokens": {
            k: {"n": len(v), "mean": round(statistics.mean(v)), "max": max(v)}
            for k, v in sorted(sizes.items())
        },
    }


# -- first looks -----------------------------------------------------------------------------
def split_sections(text: str) -> dict[str, str]:
    """The first look's sections (paragraph runs starting with a known header)."""
    out: dict[str, str] = defaultdict(str)
    current = "other"
    for para in text.split("\n\n"):
        for name, heads in SECTIONS.items():
            if para.startswith(heads):
                current = name
                break
        else:
            if current in ("pointer", "prose/yes-no line", "outline", "facts", "plan"):
                current = "other"  # one-paragraph sections: what follows is something else
        out[current] += para + "\n\n"
    return dict(out)


def first_looks(questions: Iterable[str], count: Count, rag_mode: str) -> list[dict[str, Any]]:
    """Each question's first look, lean off and on, in tokens by section (the store is the
    one DOCNAV_HOME names; retrieval as rag mode runs it)."""
    from docnav.agent.policy import GuidedConfig, GuidedPolicy
    from docnav.engine import Engine
    from docnav.settings import Settings

    eng = Engine(Settings())
    s = eng.settings
    ctx = eng.tool_context()

    def retrieve(q: str) -> Any:
        return eng.index_search(q, mode=rag_mode, k=s.agent.rag_k)  # type: ignore[arg-type]

    out = []
    for q in questions:
        row: dict[str, Any] = {"question_tokens": count(q)}
        for name, lean in (("whole", False), ("lean", True)):
            pol = GuidedPolicy(GuidedConfig(lean=lean), retrieve, max_chars=s.agent.tool_max_chars)
            text = pol.start(q, ctx).text
            secs = split_sections(text)
            row[name] = {
                "chars": len(text),
                "tokens": count(text),
                "sections": {k: count(v) for k, v in secs.items()},
            }
        out.append(row)
    return out


# -- report ------------------------------------------------------------------------------------
def estimate(runs: dict[str, Any], looks: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Tokens per question before/after, LLM-free: each traced run with its calls and history
    as measured, the fixed part and first look replaced by the lean ones (the mean first-look
    saving of the store its questions come from); calls and history assumed unchanged."""
    fixed = runs["fixed"]
    d_fixed = fixed["whole"]["total"] - fixed["lean"]["total"]
    out = {}
    for name, run in runs["runs"].items():
        look = looks.get(run["looks"]) or []
        d_look = (
            statistics.mean(r["whole"]["tokens"] - r["lean"]["tokens"] for r in look) if look else 0
        )
        after = [r["tokens_in"] - r["calls"] * (d_fixed + d_look) for r in run["rows"]]
        once = [
            sum(p - d_fixed - d_look for p in r["prompts"][: _calls_once(r)]) for r in run["rows"]
        ]
        out[name] = {
            "median_calls_before": run["median_calls"],
            "median_calls_once": statistics.median(_calls_once(r) for r in run["rows"]),
            "median_before": statistics.median(r["tokens_in"] for r in run["rows"]),
            "median_after": round(statistics.median(after)),
            "median_after_once": round(statistics.median(once)),
            "mean_before": run["mean_tokens_in"],
            "mean_after": round(statistics.mean(after)),
            "mean_after_once": round(statistics.mean(once)),
            "per_call_saving": round(d_fixed + d_look),
            "first_look_saving_mean": round(d_look),
            "rag_median": run.get("rag_median"),
        }
    return out


def _calls_once(row: dict[str, Any]) -> int:
    """The run's calls had a repeat that opened nothing new, or its second repeat, been
    answered with final_answer as the only tool (GuidedConfig.once): the call after it is the
    last (assuming that answer is not sent back)."""
    reps = [i for i, a in enumerate(row["added"]) if a["label"] == "guard: repeat"]
    stop = [i for i in reps if "all evidence read" in a_events(row, i)] + reps[1:2]
    return min(row["calls"], min(stop) + 2) if stop else row["calls"]


def a_events(row: dict[str, Any], i: int) -> str:
    return row["added"][i].get("events", "")


def _plot(result: dict[str, Any], out: Path) -> str:
    from docnav.extras import pyplot

    plt = pyplot()
    runs = result["runs"]
    names = list(runs)
    size: Counter[str] = Counter()
    for r in runs.values():
        size.update(r["mean_parts"])
    parts = [p for p, _ in size.most_common()]
    colors = plt.get_cmap("tab20").colors
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(14, 5.5))
    bottom = [0.0] * len(names)
    for k, p in enumerate(parts):
        vals = [runs[n]["mean_parts"].get(p, 0) for n in names]
        ax.bar(names, vals, 0.5, bottom=bottom, label=p, color=colors[k % len(colors)])
        bottom = [b + v for b, v in zip(bottom, vals, strict=True)]
    est = result["estimate"]
    ax.bar(
        [i + 0.4 for i in range(len(names))],
        [est[n]["mean_after_once"] for n in names],
        0.25,
        color="0.6",
        label="estimate after (lean + once), mean",
    )
    for i, n in enumerate(names):
        if runs[n].get("rag_median"):
            ax.plot([i - 0.3, i + 0.55], [4 * runs[n]["rag_median"]] * 2, "k--")
    ax.set_title("prompt tokens a question, mean, by what is resent (-- rag median x 4)")
    ax.set_ylim(top=1.6 * max(bottom))  # room for the legend above the bars
    ax.legend(fontsize=7, loc="upper left", ncol=2)
    secs = sorted(
        {k for look in result["first_looks"].values() for r in look for k in r["whole"]["sections"]}
    )
    labels, whole, lean = [], [], []
    for store, look in result["first_looks"].items():
        for k in secs:
            labels.append(f"{store}\n{k}")
            whole.append(statistics.mean(r["whole"]["sections"].get(k, 0) for r in look))
            lean.append(statistics.mean(r["lean"]["sections"].get(k, 0) for r in look))
    xs = range(len(labels))
    bx.bar([x - 0.2 for x in xs], whole, 0.4, label="before (lean off)")
    bx.bar([x + 0.2 for x in xs], lean, 0.4, label="after (lean on)")
    bx.set_xticks(list(xs), labels, rotation=90, fontsize=7)
    bx.set_title("first look tokens by section, mean per question")
    bx.legend(fontsize=7)
    fig.tight_layout()
    path = out / "answer_cost.png"
    fig.savefig(path, dpi=110)
    return path.name


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m docnav.bench.answer_cost")
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("runs", help="split committed runs' prompt tokens (name=answers.jsonl)")
    a.add_argument("runs", nargs="+", help="name=path/answers.jsonl[:looks-name[:rag-jsonl]]")
    a.add_argument("--out", type=Path, required=True)
    b = sub.add_parser("first-look", help="first looks of questions (one per line), lean off/on")
    b.add_argument("questions", type=Path)
    b.add_argument("--rag-mode", default="bm25")
    b.add_argument("--out", type=Path, required=True)
    c = sub.add_parser("report", help="runs.json + first-look JSONs -> report.md, JSON, PNG")
    c.add_argument("--out", type=Path, required=True)
    c.add_argument("looks", nargs="+", help="name=first-look JSON")
    args = ap.parse_args(argv)
    count, tok, how = counter()
    if args.cmd == "runs":
        fixed = fixed_part(tok, count)
        runs = {}
        for spec in args.runs:
            name, rest = spec.split("=", 1)
            path, looks, rag = (rest.split(":") + ["", ""])[:3]
            run = run_cost(Path(path), fixed["whole"]["total"])
            run["looks"] = looks
            if rag:
                run["rag_median"] = rag_median(Path(rag))
            runs[name] = run
        args.out.write_text(
            json.dumps({"counted_with": how, "fixed": fixed, "runs": runs}, indent=1)
        )
    elif args.cmd == "first-look":
        qs = [q.strip() for q in args.questions.read_text().splitlines() if q.strip()]
        looks = first_looks(qs, count, args.rag_mode)
        args.out.write_text(json.dumps({"counted_with": how, "looks": looks}, indent=1))
    else:
        report(args.out, dict(x.split("=", 1) for x in args.looks))


def report(out: Path, looks_files: dict[str, str]) -> None:
    data = json.loads((out / "runs.json").read_text())
    looks = {k: json.loads(Path(v).read_text())["looks"] for k, v in looks_files.items()}
    result = {**data, "first_looks": looks, "estimate": estimate(data, looks)}
    for run in result["runs"].values():
        run.pop("rows", None)  # per-row detail stays in runs.json
    result["plot"] = _plot(result, out)
    (out / "results.json").write_text(json.dumps(result, indent=1))
    (out / "report.md").write_text(render(result))


def _table(head: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    return out + ["| " + " | ".join(str(x) for x in r) + " |" for r in rows]


def render(result: dict[str, Any]) -> str:
    """report.md: the fixed part, each run's split, the guards, the first look, the estimate."""
    fx = result["fixed"]
    lines = [
        "# Where the guided agent's prompt tokens go (issue 19)",
        "",
        f"Tokens counted with the {result['counted_with']}; no model was run. The commands: "
        "`COMMANDS.md`.",
        "",
        "## System prompt + tool list, sent with every call",
        "",
    ]
    names = list(dict.fromkeys([*fx["whole"]["per_tool"], *fx["lean"]["per_tool"]]))
    lines += _table(
        ["", "whole (lean off)", "lean"],
        [["**total (rendered with the chat template)**", fx["whole"]["total"], fx["lean"]["total"]]]
        + [["system prompt", fx["whole"]["system"], fx["lean"]["system"]]]
        + [["tool list", fx["whole"]["tools"], fx["lean"]["tools"]]]
        + [
            [
                f"  {n} (JSON alone)",
                fx["whole"]["per_tool"].get(n, "–"),
                fx["lean"]["per_tool"].get(n, "–"),
            ]
            for n in names
        ],
    )
    for name, run in result["runs"].items():
        total = sum(run["mean_parts"].values()) or 1
        lines += [
            "",
            f"## {name}: {run['questions']} traced questions (`{run['answers']}`)",
            "",
            f"Median {run['median_calls']} model calls, median {run['median_tokens_in']:,} prompt "
            f"tokens a question (mean {run['mean_tokens_in']:,}); rag's median "
            f"{run.get('rag_median') or 0:,.0f}, so the goal (rag x 4) is "
            f"{4 * (run.get('rag_median') or 0):,.0f}. Mean first prompt {run['mean_first_prompt']:,}.",
            "",
            "Mean prompt tokens a question by what was resent (each part x the calls that "
            "resent it; the parts sum to the run's tokens exactly):",
            "",
        ]
        lines += _table(
            ["part", "tokens", "share"],
            [[k, f"{v:,}", f"{100 * v / total:.0f}%"] for k, v in run["mean_parts"].items()],
        )
        lines += ["", "What each step added to the history (tokens, before being resent):", ""]
        lines += _table(
            ["added by", "times", "mean", "max"],
            [[k, v["n"], v["mean"], v["max"]] for k, v in run["added_tokens"].items()],
        )
        lines += [
            "",
            f"Guards fired: {run['guard_fired']}; fired twice in one run: "
            f"{run['guard_fired_twice_in_a_run']}.",
        ]
    lines += ["", "## First look by section (mean tokens a question, built again, LLM-free)", ""]
    for store, look in result["first_looks"].items():
        secs = sorted({k for r in look for v in ("whole", "lean") for k in r[v]["sections"]})
        rows = [
            [
                k,
                round(statistics.mean(r["whole"]["sections"].get(k, 0) for r in look)),
                round(statistics.mean(r["lean"]["sections"].get(k, 0) for r in look)),
            ]
            for k in secs
        ]
        rows.append(
            [
                "**total**",
                round(statistics.mean(r["whole"]["tokens"] for r in look)),
                round(statistics.mean(r["lean"]["tokens"] for r in look)),
            ]
        )
        lines += [f"{store} ({len(look)} questions):", ""]
        lines += _table(["section", "lean off", "lean on"], rows) + [""]
    lines += [
        "## Tokens a question, before / after (LLM-free estimate)",
        "",
        "Each traced run kept as it was (its calls, reads and guards), with the fixed part and "
        "the first look of the lean prompt (the mean first-look saving of the store its "
        "questions come from); 'once' also ends the run at the call after a repeat that opened "
        "nothing new or after its second repeat (assuming that answer is accepted). A model "
        "shown less may call differently: only a benchmark run measures that.",
        "",
    ]
    lines += _table(
        [
            "run",
            "calls (median)",
            "calls, once",
            "tokens median before",
            "lean",
            "lean + once",
            "mean before",
            "lean",
            "lean + once",
            "rag x 4",
        ],
        [
            [
                k,
                e["median_calls_before"],
                e["median_calls_once"],
                f"{e['median_before']:,}",
                f"{e['median_after']:,}",
                f"{e['median_after_once']:,}",
                f"{e['mean_before']:,}",
                f"{e['mean_after']:,}",
                f"{e['mean_after_once']:,}",
                f"{4 * (e['rag_median'] or 0):,.0f}",
            ]
            for k, e in result["estimate"].items()
        ],
    )
    lines += ["", f"![prompt tokens]({result['plot']})", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
