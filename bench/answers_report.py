"""Metrics, report.md, results.json and plots of an answer-benchmark run (answers.jsonl).

Accuracy counts only answers graded correct, over every question a variant was asked
(timeouts count as not correct; errors, which a rerun retries, and window-skipped questions
are left out and counted). Refusals and judge "partial" verdicts are reported apart. Evidence
recall: a question counts when any gold evidence page (filing + 1-based page) is among the
pages the mode read (RAG: the retrieved chunks' pages; agent: pages its tools returned).
"""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from string import Template
from typing import Any

from docnav.bench.answers import VARIANTS, read_rows
from docnav.bench.datasets import PaperRow, load_paper_results
from docnav.bench.handcheck import LABELS, parse_handcheck, tally, write_handcheck_json

PAPER_MODELS = {
    "gpt-4-1106-preview": "GPT-4-Turbo",
    "gpt-4": "GPT-4",
    "llama2": "Llama-2",
    "claude-2": "Claude-2",
}


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}"


def _q(vals: list[float], q: float) -> float | None:
    if not vals:
        return None
    s = sorted(vals)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def _outcome(r: dict) -> str:
    if r.get("status") == "timeout" and not r.get("verdict"):
        return "timeout"
    return (r.get("verdict") or {}).get("outcome") or r.get("status", "error")


def _acc(rows: list[dict]) -> float | None:
    return sum(_outcome(r) == "correct" for r in rows) / len(rows) if rows else None


def variant_metrics(rows: list[dict], price_in: float, price_out: float) -> dict[str, Any]:
    """Metrics of one variant's rows (all statuses)."""
    status = Counter(r.get("status") for r in rows)
    graded = [r for r in rows if r.get("status") in ("ok", "timeout")]
    outcomes = Counter(_outcome(r) for r in graded)
    checkers = Counter((r.get("verdict") or {}).get("checker", "none") for r in graded)
    answered = [r for r in graded if r.get("answer")]
    traces = [r["answer"]["trace"] for r in answered]
    loose = sum(
        _outcome(r) == "correct" or bool((r.get("verdict") or {}).get("correct_2_5"))
        for r in graded
    )
    by: dict[str, dict[str, float | None]] = {}
    for field in ("question_type", "question_reasoning", "failure_mode"):
        groups: dict[str, list[dict]] = defaultdict(list)
        for r in graded:
            groups[r.get(field) or "(none)"].append(r)
        by[field] = {k: _acc(v) for k, v in sorted(groups.items())}
        by[field + "_n"] = {k: len(v) for k, v in sorted(groups.items())}  # type: ignore[assignment]
    planted = any(r.get("failure_mode") for r in graded)
    # closed-book reads nothing by design: no evidence recall to report
    with_ev = [r for r in answered if r.get("evidence") and r.get("mode") != "closed-book"]
    hit_any = [
        bool({tuple(p) for p in r.get("pages_read", [])} & {tuple(e) for e in r["evidence"]})
        for r in with_ev
    ]
    hit_all = [
        {tuple(e) for e in r["evidence"]} <= {tuple(p) for p in r.get("pages_read", [])}
        for r in with_ev
    ]
    cites = [
        (c, {tuple(e) for e in r.get("evidence", [])})
        for r in answered
        for c in r["answer"].get("citations", [])
    ]
    walls = [r["wall_s"] for r in answered if r.get("wall_s") is not None]
    mean = lambda xs: statistics.mean(xs) if xs else None  # noqa: E731
    tin = [t.get("tokens_in", 0) for t in traces]
    tout = [t.get("tokens_out", 0) for t in traces]
    cost = (
        1000 * (mean(tin) * price_in + mean(tout) * price_out) / 1e6 if traces else None  # type: ignore[operator]
    )
    return {
        "n": len(graded),
        "status": dict(status),
        "skipped_ids": sorted(r["id"] for r in rows if r.get("status") == "skipped"),
        "ran_ids": sorted(r["id"] for r in graded),
        "outcomes": dict(outcomes),
        "checkers": dict(checkers),
        "accuracy": _acc(graded),
        "accuracy_loose_numeric": loose / len(graded) if graded else None,
        "refusal_rate": outcomes.get("refusal", 0) / len(graded) if graded else None,
        "partial_rate": outcomes.get("partial", 0) / len(graded) if graded else None,
        "unjudged": outcomes.get("unjudged", 0),
        "by_question_type": by["question_type"],
        "by_question_type_n": by["question_type_n"],
        "by_reasoning": by["question_reasoning"],
        "by_reasoning_n": by["question_reasoning_n"],
        # planted sets only (docnav synth): where navigation beats retrieval
        "by_failure_mode": by["failure_mode"] if planted else {},
        "by_failure_mode_n": by["failure_mode_n"] if planted else {},
        "evidence_recall_any": mean(hit_any),
        "evidence_recall_all": mean(hit_all),
        "evidence_questions": len(with_ev),
        "pages_read_mean": mean([len(r.get("pages_read", [])) for r in answered]),
        "citations": len(cites),
        "citations_on_gold_page": sum((c["doc_name"], c["page"]) in ev for c, ev in cites),
        "citations_verified": sum(bool(c.get("verified")) for c, _ in cites),
        "latency_p50_s": _q(walls, 0.5),
        "latency_p95_s": _q(walls, 0.95),
        "latency_total_s": sum(walls),
        "llm_calls_mean": mean([t.get("llm_calls", 0) for t in traces]),
        "tool_calls_mean": mean([t.get("tool_calls", 0) for t in traces]),
        "tokens_in_mean": mean(tin),
        "tokens_out_mean": mean(tout),
        "cost_per_1000_usd": cost,
    }


def paper_figures(
    paper: list[PaperRow], ids: set[str]
) -> dict[str, dict[str, dict[str, float | int]]]:
    """The paper's accuracy per eval_mode and model, recomputed on the given question ids."""
    groups: dict[tuple[str, str], list[PaperRow]] = defaultdict(list)
    for r in paper:
        if r.financebench_id in ids:
            groups[(r.eval_mode, r.model_name)].append(r)
    out: dict[str, dict[str, dict[str, float | int]]] = defaultdict(dict)
    for (mode, model), rs in sorted(groups.items()):
        out[mode][model] = {
            "n": len(rs),
            "accuracy": sum(r.label == "Correct Answer" for r in rs) / len(rs),
            "refusal_rate": sum(r.label == "Refusal" for r in rs) / len(rs),
        }
    return dict(out)


def disagreements(rows: list[dict], a: str, b: str) -> list[dict]:
    """Questions where variants ``a`` and ``b`` got different outcomes."""
    by = {(r["id"], r["variant"]): r for r in rows}
    out = []
    for (qid, v), ra in sorted(by.items()):
        if v != a or (qid, b) not in by:
            continue
        rb = by[(qid, b)]
        oa, ob = _outcome(ra), _outcome(rb)
        if oa == ob:
            continue

        def side(r: dict) -> dict:
            ans = r.get("answer") or {}
            tr = ans.get("trace") or {}
            ev = {tuple(e) for e in r.get("evidence", [])}
            read = {tuple(p) for p in r.get("pages_read", [])}
            tools = Counter(s.get("tool") for s in tr.get("steps", []) if s.get("kind") == "tool")
            return {
                "outcome": _outcome(r),
                "answer": (ans.get("answer") or r.get("error") or "")[:300],
                "read_gold_page": bool(ev & read) if ev else None,
                "pages_read": len(read),
                "tools": dict(tools),
                "checker": (r.get("verdict") or {}).get("checker"),
                "detail": (r.get("verdict") or {}).get("detail", "")[:200],
            }

        out.append(
            {"id": qid, "question": ra["question"], "gold": ra["gold"], a: side(ra), b: side(rb)}
        )
    return out


def same_questions(rows: list[dict], variants: list[str]) -> list[dict[str, Any]]:
    """Accuracy of every mode on the questions a smaller mode ran, so a mode run on fewer
    questions (a long run stopped early, long-context where the filing fits) is compared on
    its own questions, not against another mode's larger set."""
    ran = {
        v: {r["id"] for r in rows if r["variant"] == v and r.get("status") != "skipped"}
        for v in variants
    }
    largest = max((len(x) for x in ran.values()), default=0)
    out = []
    for v in sorted(variants, key=lambda x: (len(ran[x]), variants.index(x))):
        ids = ran[v]
        if not ids or len(ids) == largest or any(d["ids"] == sorted(ids) for d in out):
            continue
        acc = {
            w: _acc([r for r in rows if r["variant"] == w and r["id"] in ids])
            for w in variants
            if ids <= ran[w]
        }
        out.append({"subset_of": v, "n": len(ids), "ids": sorted(ids), "accuracy": acc})
    return out


def summarize(
    rows: list[dict],
    price_in: float,
    price_out: float,
    paper: list[PaperRow] | None = None,
) -> dict[str, Any]:
    variants = [v for v in VARIANTS if any(r["variant"] == v for r in rows)]
    variants += sorted({r["variant"] for r in rows} - set(variants))
    per = {
        v: variant_metrics([r for r in rows if r["variant"] == v], price_in, price_out)
        for v in variants
    }
    ids = {r["id"] for r in rows}
    result: dict[str, Any] = {
        "questions": len(ids),
        "variants": variants,
        "metrics": per,
        "prices_usd_per_mtok": {"input": price_in, "output": price_out},
    }
    if paper:
        figs = paper_figures(paper, ids)
        result["paper"] = figs
        result["paper_same_ids"] = {}
        for v in variants:
            pm = VARIANTS[v].paper if v in VARIANTS else None
            vids = {r["id"] for r in rows if r["variant"] == v and r.get("status") != "skipped"}
            if pm:
                result["paper_same_ids"][v] = {
                    "eval_mode": pm,
                    "models": paper_figures(paper, vids).get(pm, {}),
                }
    result["same_questions"] = same_questions(rows, variants)
    pairs = [
        (a, b) for a in variants for b in variants if a.startswith("rag") and b.startswith("agent")
    ]
    result["disagreements"] = {f"{a} vs {b}": disagreements(rows, a, b) for a, b in pairs}
    return result


# -- writing -------------------------------------------------------------------------------------


def _plots(result: dict, out: Path) -> list[str]:
    from docnav.extras import pyplot

    plt = pyplot()  # a clear error naming the bench extra when matplotlib is absent
    import numpy as np

    files = []
    per = result["metrics"]
    variants = result["variants"]
    # 1. accuracy by mode, ours beside the paper's models on the same questions
    paper_models = sorted(
        {m for v in result.get("paper_same_ids", {}).values() for m in v["models"]}
    )
    series = ["ours"] + paper_models
    x = np.arange(len(variants))
    w = 0.8 / len(series)
    fig, ax = plt.subplots(figsize=(max(7, 1.3 * len(variants) + 3), 4.2))
    for i, s in enumerate(series):
        vals = []
        for v in variants:
            if s == "ours":
                a = per[v]["accuracy"]
            else:
                a = result.get("paper_same_ids", {}).get(v, {}).get("models", {}).get(s, {})
                a = a.get("accuracy") if a else None
            vals.append(np.nan if a is None else 100 * a)
        label = "docnav (this run)" if s == "ours" else f"paper: {PAPER_MODELS.get(s, s)}"
        bars = ax.bar(x + i * w, vals, w, label=label)
        ax.bar_label(bars, labels=["" if np.isnan(v) else f"{v:.0f}" for v in vals], fontsize=7)
    ax.set_xticks(x + w * (len(series) - 1) / 2, variants, rotation=20)
    files.append(
        _save_pct_bars(
            fig,
            ax,
            "Accuracy by mode (paper figures recomputed on the same questions)",
            out / "accuracy_by_mode.png",
        )
    )
    # 2. accuracy against tokens and latency
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, key, label in (
        (axes[0], "tokens_in_mean", "mean input tokens per question"),
        (axes[1], "latency_p50_s", "p50 latency per question (s)"),
    ):
        for v in variants:
            xv, yv = per[v].get(key), per[v]["accuracy"]
            if xv is None or yv is None:
                continue
            ax.scatter([xv], [100 * yv], s=50)
            ax.annotate(v, (xv, 100 * yv), textcoords="offset points", xytext=(5, 4), fontsize=8)
        ax.set_xlabel(label)
        ax.set_ylabel("% correct")
        if key == "tokens_in_mean":
            ax.set_xscale("symlog")
    fig.suptitle("Accuracy against cost")
    fig.tight_layout()
    fig.savefig(out / "accuracy_vs_cost.png", dpi=110)
    plt.close(fig)
    files.append("accuracy_vs_cost.png")
    # 3. evidence recall by mode
    fig, ax = plt.subplots(figsize=(max(6, 1.1 * len(variants) + 2), 3.8))
    vals = [per[v]["evidence_recall_any"] for v in variants]
    ax.bar(variants, [np.nan if a is None else 100 * a for a in vals], color="tab:green")
    ax.set_ylabel("% questions with a gold page read")
    ax.set_ylim(0, 100)
    ax.set_title("Evidence-page recall of what each mode read")
    plt.setp(ax.get_xticklabels(), rotation=20)
    fig.tight_layout()
    fig.savefig(out / "evidence_recall.png", dpi=110)
    plt.close(fig)
    files.append("evidence_recall.png")
    # 4. planted sets: accuracy per failure mode, one bar per mode of answering
    fmodes = sorted({f for v in variants for f in per[v].get("by_failure_mode", {})})
    if fmodes:
        x = np.arange(len(fmodes))
        w = 0.8 / len(variants)
        fig, ax = plt.subplots(figsize=(max(7, 1.4 * len(fmodes) + 2), 4.2))
        for i, v in enumerate(variants):
            acc = per[v].get("by_failure_mode", {})
            vals = [np.nan if acc.get(f) is None else 100 * acc[f] for f in fmodes]
            bars = ax.bar(x + i * w, vals, w, label=v)
            ax.bar_label(bars, labels=["" if np.isnan(a) else f"{a:.0f}" for a in vals], fontsize=7)
        n = [max(per[v].get("by_failure_mode_n", {}).get(f, 0) for v in variants) for f in fmodes]
        ax.set_xticks(
            x + w * (len(variants) - 1) / 2,
            [f"{f}\n(n={k})" for f, k in zip(fmodes, n, strict=True)],
        )
        files.append(
            _save_pct_bars(
                fig, ax, "Accuracy by planted failure mode", out / "accuracy_by_failure_mode.png"
            )
        )
    return files


def _save_pct_bars(fig: Any, ax: Any, title: str, path: Path) -> str:
    """Finish a % correct bar chart (axis, title, legend), write it, return its file name."""
    import matplotlib.pyplot as plt

    ax.set_ylabel("% correct")
    ax.set_ylim(0, 100)
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name


def _fmt(x: Any, nd: int = 1) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:.{nd}f}"
    return str(x)


def render_markdown(result: dict, meta: dict) -> str:
    """report.md: templates/answers_report.md filled with a summary's figures."""
    per, variants = result["metrics"], result["variants"]
    judged = sum(per[v]["checkers"].get("judge", 0) for v in variants)
    prices = result["prices_usd_per_mtok"]
    command = _all_modes_command(meta.get("command", ""), variants)
    return _part(
        "report",
        name=meta.get("name", ""),
        runs=_runs(meta),
        commit=meta.get("commit"),
        model=meta.get("model"),
        judge=meta.get("judge"),
        questions=result["questions"],
        variants=", ".join(variants),
        minutes=f"{sum(per[v]['latency_total_s'] for v in variants) / 60:.1f}",
        judge_note=_lines([_part("judge_note", judged=judged)] if judged else []),
        handcheck_note=_lines([_part("handcheck_note")] if meta.get("handcheck") else []),
        hand=_lines([_hand(meta["hand"])] if meta.get("hand") else []),
        mode_rows=_lines(_mode_row(v, per[v]) for v in variants),
        price_in=prices["input"],
        price_out=prices["output"],
        statuses=_lines(_status(v, per[v]) for v in variants),
        paper=_paper(result.get("paper_same_ids"), per),
        same_questions=_lines(_same_questions(d) for d in result.get("same_questions", [])),
        variant_cols=" | ".join(variants),
        variant_seps="---|" * len(variants),
        type_rows=_lines(_breakdown(per, variants, "by_question_type")),
        failure_modes=_failure_modes(per, variants),
        reasoning_rows=_lines(_breakdown(per, variants, "by_reasoning", width=60)),
        evidence_rows=_lines(_evidence_row(v, per[v]) for v in variants),
        plots=_lines(_part("plot", file=f) for f in meta.get("plots", [])),
        disagreements=_lines(
            _disagreement(pair, rows) for pair, rows in result.get("disagreements", {}).items()
        ),
        command=command,
        gpu_command=_gpu_command(command),
    )


@lru_cache(maxsize=1)
def _parts() -> dict[str, Template]:
    text = (files("docnav.bench") / "templates" / "answers_report.md").read_text(encoding="utf-8")
    chunks = re.split(r"^<!-- (\w+) -->\n", text, flags=re.M)
    return {
        name: Template(body.removesuffix("\n"))
        for name, body in zip(chunks[1::2], chunks[2::2], strict=True)
    }


def _part(part: str, /, **values: Any) -> str:
    return _parts()[part].substitute(values)


def _lines(lines: Iterable[str]) -> str:
    """Lines that follow a line of the enclosing part (each opens with its newline)."""
    return "".join("\n" + line for line in lines)


def _row(cells: Iterable[Any]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _hand(counts: dict[str, dict[str, int]]) -> str:
    rows = (
        _row([mode, *(c[lab] for lab in LABELS), sum(c.values())]) for mode, c in counts.items()
    )
    return _part("hand", hand_rows=_lines(rows))


def _hand_labels(out: Path) -> dict[str, dict[str, int]]:
    """mode -> label -> count from the run's handcheck.md, which a person writes after a run;
    handcheck.json is rewritten from it so the two never disagree."""
    if not (out / "handcheck.md").is_file():
        return {}
    write_handcheck_json(out)
    return tally(parse_handcheck((out / "handcheck.md").read_text(encoding="utf-8")))


def _runs(meta: dict) -> str:
    runs = meta.get("runs") or []
    if len(runs) <= 1:
        return _part("run_one", command=meta.get("command", ""))
    items = [
        _part(
            "run_item",
            command=r.get("command", ""),
            commit=r.get("commit") or "unknown",
            started=_part("run_started", at=r["started_at"]) if r.get("started_at") else "",
            note=_part("run_note", note=r["note"]) if r.get("note") else "",
        )
        for r in runs
    ]
    return _part("run_many", n=len(runs), items=_lines(items))


def _mode_row(v: str, m: dict) -> str:
    return _row(
        [
            v,
            m["n"],
            _pct(m["accuracy"]),
            _pct(m["accuracy_loose_numeric"]),
            _pct(m["refusal_rate"]),
            _pct(m["partial_rate"]),
            _pct(m["evidence_recall_any"]),
            _fmt(m["latency_p50_s"]),
            _fmt(m["latency_p95_s"]),
            _fmt(m["llm_calls_mean"]),
            _fmt(m["tool_calls_mean"]),
            _fmt(m["tokens_in_mean"], 0),
            _fmt(m["tokens_out_mean"], 0),
            _fmt(m["cost_per_1000_usd"], 2),
        ]
    )


def _status(v: str, m: dict) -> str:
    line = _part(
        "status", mode=v, status=m["status"], outcomes=m["outcomes"], checkers=m["checkers"]
    )
    if not m["skipped_ids"]:
        return line
    ids = ", ".join(i.replace("financebench_id_", "") for i in m["ran_ids"]) or "–"
    return line + _lines([_part("status_window", n=len(m["ran_ids"]), ids=ids)])


def _paper(same_ids: dict | None, per: dict) -> str:
    if not same_ids:
        return ""
    rows = []
    for v, d in same_ids.items():
        figs = "; ".join(
            _part(
                "paper_figure", model=PAPER_MODELS.get(k, k), accuracy=_pct(x["accuracy"]), n=x["n"]
            )
            for k, x in d["models"].items()
        )
        rows.append(_row([v, d["eval_mode"], _pct(per[v]["accuracy"]), figs or "–"]))
    return _lines([_part("paper", rows=_lines(rows))])


def _same_questions(d: dict) -> str:
    cols = list(d["accuracy"])
    return _part(
        "same_questions",
        n=d["n"],
        subset=d["subset_of"],
        cols=" | ".join(cols),
        seps="---|" * len(cols),
        accuracies=" | ".join(_pct(d["accuracy"][c]) for c in cols),
    )


def _breakdown(per: dict, variants: list[str], key: str, width: int | None = None) -> list[str]:
    """One row per value of ``key`` (question type, failure mode, reasoning): its largest
    count over the variants and each variant's accuracy."""
    values = sorted({t for v in variants for t in per[v].get(key, {})})
    return [
        _row(
            [
                _part(
                    "count", label=t[:width], n=max(per[v][f"{key}_n"].get(t, 0) for v in variants)
                ),
                *(_pct(per[v][key].get(t)) for v in variants),
            ]
        )
        for t in values
    ]


def _failure_modes(per: dict, variants: list[str]) -> str:
    rows = _breakdown(per, variants, "by_failure_mode")
    if not rows:
        return ""
    part = _part(
        "failure_modes",
        cols=" | ".join(variants),
        seps="---|" * len(variants),
        rows=_lines(rows),
    )
    return _lines([part])


def _evidence_row(v: str, m: dict) -> str:
    return _row(
        [
            v,
            m["evidence_questions"],
            _pct(m["evidence_recall_any"]),
            _pct(m["evidence_recall_all"]),
            _fmt(m["pages_read_mean"]),
            m["citations"],
            m["citations_on_gold_page"],
            m["citations_verified"],
        ]
    )


def _disagreement(pair: str, rows: list[dict]) -> str:
    a, b = pair.split(" vs ")
    table = ""
    if rows:
        lines = [
            _row(
                [
                    d["id"].replace("financebench_id_", ""),
                    _cell_text(d["question"], 120),
                    _cell_text(d["gold"], 80),
                    _side(d[a]),
                    _side(d[b]),
                ]
            )
            for d in rows
        ]
        table = _lines([_part("disagreement_table", a=a, b=b, rows=_lines(lines))])
    return _part("disagreement", a=a, b=b, n=len(rows), table=table)


def _cell_text(s: str, limit: int) -> str:
    return s.replace("|", "/").replace("\n", " ")[:limit]


def _side(s: dict) -> str:
    """One mode's side of a disagreement: outcome, checker, evidence, tools, answer."""
    gold = s["read_gold_page"]
    return _part(
        "disagreement_cell",
        outcome=s["outcome"],
        checker=s["checker"],
        gold_page="" if gold is None else _part("gold_page_read" if gold else "gold_page_unread"),
        pages=s["pages_read"],
        tools=", ".join(f"{k}×{n}" for k, n in s["tools"].items()),
        answer=_cell_text(s["answer"], 160),
    )


def _all_modes_command(cmd: str, variants: list[str]) -> str:
    """The last command with --modes naming every variant the run holds: one command that
    redoes a run whose modes were added over several resumes."""
    cmd = cmd or "docnav bench answers"
    modes = f"--modes {','.join(variants)}"
    new, n = re.subn(r"(?<=\s)--modes(?:=|\s+)\S+", modes, cmd, count=1)
    return new if n else f"{cmd} {modes}"


def _gpu_command(cmd: str) -> str:
    """The run's command with a GPU --out folder and concurrency for an HTTP backend."""
    cmd = cmd or "docnav bench answers"
    cmd = re.sub(r"\s--(?:backend|model|base-url|concurrency)(?:=|\s+)\S+", "", cmd)
    m = re.search(r"--out(?:=|\s+)(\S+)", cmd)
    if m:
        cmd = cmd.replace(m.group(0), f"--out {m.group(1).rstrip('/')}-vllm")
    return f"{cmd} --backend openai --concurrency 8"


def write_report(
    out: Path,
    price_in: float = 0.15,
    price_out: float = 0.60,
    paper_results: Path | None = None,
) -> dict:
    """Read ``out/answers.jsonl`` and write results.json, report.md and the plots."""
    rows, bad = read_rows(out / "answers.jsonl")
    if not rows:
        from docnav.errors import DocnavError

        raise DocnavError(f"no results in {out / 'answers.jsonl'}")
    paper = (
        load_paper_results(paper_results)
        if paper_results and Path(paper_results).is_dir()
        else None
    )
    result = summarize(rows, price_in, price_out, paper)
    run = json.loads((out / "run.json").read_text()) if (out / "run.json").is_file() else {}
    models = sorted({(r.get("answer") or {}).get("model", "") for r in rows} - {""})
    cfg = run.get("config", {})
    meta = {
        "name": out.name,
        "command": cfg.get("command", ""),
        "runs": run.get("runs") or [],
        "commit": run.get("commit"),
        "model": ", ".join(models) or "–",
        "judge": cfg.get("judge", "–"),
        "unreadable_lines": bad,
        "handcheck": (out / "handcheck.md").is_file(),
        "hand": _hand_labels(out),
    }
    out.mkdir(parents=True, exist_ok=True)
    meta["plots"] = _plots(result, out)
    (out / "results.json").write_text(json.dumps({"meta": meta, **result}, indent=2))
    (out / "report.md").write_text(render_markdown(result, meta))
    return {"meta": meta, **result}
