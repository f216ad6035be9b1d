"""`docnav bench rerank`: what a reranker does to evidence-page recall, against the same
hybrid+filters candidates without it, on FinanceBench questions over the shared store.

The reranker reorders the top ``depth`` candidates exactly as ``docnav search --mode
hybrid+rerank`` does (same texts, same code path), so recall@depth is the ceiling every
reranker shares. LLM rerankers cost minutes per question on a CPU, so the run is resumable:
one JSON line per (question, reranker) in rows.jsonl, and a rerun skips the done ones.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from docnav.bench import git_commit, machine_info
from docnav.bench.answers import read_rows
from docnav.bench.retrieval import _found_rank
from docnav.errors import DocnavError

KS = (1, 3, 5, 10)
BASELINE = "none"


def _search(engine: Any, question: str, k: int, depth: int, reranker: Any) -> Any:
    return engine.index.search(
        question,
        mode="hybrid",
        k=k,
        understand="filter",
        expand=True,
        reranker=reranker,
        rerank_depth=depth,
    )


def run_rerank_bench(
    engine: Any,
    questions_path: Path,
    out: Path,
    specs: list[str],
    limit: int | None = None,
    depth: int = 20,
    console: Console | None = None,
    command: str = "docnav bench rerank",
) -> dict:
    """Recall@1/3/5/10 and MRR with each reranker spec (and without one) on the first
    ``limit`` questions; resumes from ``out/rows.jsonl``."""

    console = console or Console()
    commit = git_commit()  # at the start: a long run may outlive the commit it ran
    if not engine.documents():
        raise DocnavError(f"no filings in {engine.store.root}: ingest FinanceBench first")
    questions = [json.loads(x) for x in questions_path.read_text().splitlines() if x.strip()]
    questions = questions[:limit] if limit else questions
    names = {d.name for d in engine.documents()}
    missing = sorted({q["doc_name"] for q in questions} - names)
    if missing:
        raise DocnavError(f"filings missing from the store: {', '.join(missing[:5])}")
    out.mkdir(parents=True, exist_ok=True)
    rows_path = out / "rows.jsonl"
    rows, _ = read_rows(rows_path, key=lambda r: (r["financebench_id"], r["reranker"], r["depth"]))
    rows = [r for r in rows if r["depth"] == depth]
    done = {(r["financebench_id"], r["reranker"]) for r in rows}
    engine.index.ensure(dense=True, on_progress=None)
    rerankers: dict[str, Any] = {BASELINE: None}
    for spec in specs:
        rerankers[spec] = engine.make_reranker(spec)
        if rerankers[spec] is None:
            raise DocnavError(f"{spec!r} names no reranker")
    todo = [(q, s) for q in questions for s in rerankers if (q["financebench_id"], s) not in done]
    console.print(
        f"{len(questions)} questions x {len(rerankers)} rerankers: {len(todo)} to run "
        f"({len(questions) * len(rerankers) - len(todo)} done)"
    )
    from rich.progress import Progress

    with rows_path.open("a") as fh, Progress(console=console) as progress:
        task = progress.add_task("reranking", total=len(todo))
        for q, spec in todo:
            rr = rerankers[spec]
            t = time.perf_counter()
            res = _search(engine, q["question"], max(KS), depth, rr)
            seconds = time.perf_counter() - t
            rep = getattr(rr, "last_report", None)
            row = {
                "financebench_id": q["financebench_id"],
                "reranker": spec,
                "depth": depth,
                "rank": _found_rank(res.hits, q["evidence"]),
                "seconds": round(seconds, 2),
                "llm_calls": rep.calls if rep else 0,
                "parsed": rep.parsed if rep else None,
                "fallback": rep.fallback if rep else None,
                "error": rep.error if rep else None,
            }
            if rr is None:  # the ceiling every reranker shares: gold anywhere in the candidates
                deep = _search(engine, q["question"], depth, depth, None)
                row["in_candidates"] = _found_rank(deep.hits, q["evidence"]) is not None
            fh.write(json.dumps(row) + "\n")
            fh.flush()
            rows.append(row)
            progress.advance(task)
    result = summarize(rows, [q["financebench_id"] for q in questions], list(rerankers), depth)
    result.update(
        command=command,
        measured_at_commit=commit,
        machine=machine_info(),
        chat_model=getattr(engine.chat_model, "name", None) if len(rerankers) > 1 else None,
    )
    _write(result, out)
    return result


def summarize(rows: list[dict], qids: list[str], specs: list[str], depth: int) -> dict:
    """Per reranker over the questions that every reranker has finished (a fair comparison
    while a run is still partial)."""
    by = {(r["financebench_id"], r["reranker"]): r for r in rows}
    common = [q for q in qids if all((q, s) in by for s in specs)]
    table: dict[str, dict] = {}
    for s in specs:
        rs = [by[(q, s)] for q in common]
        n = len(rs) or 1
        ranks = [r["rank"] for r in rs]
        table[s] = {
            **{f"recall@{k}": round(sum(1 for x in ranks if x and x <= k) / n, 4) for k in KS},
            "mrr@10": round(sum(1 / x for x in ranks if x) / n, 4),
            "seconds_p50": round(statistics.median([r["seconds"] for r in rs]), 2) if rs else None,
            "llm_calls_mean": round(statistics.mean([r["llm_calls"] for r in rs]), 1)
            if rs
            else None,
            "fallback_share": round(sum(1 for r in rs if r["fallback"]) / n, 4)
            if s != BASELINE
            else None,
        }
    base = [by[(q, BASELINE)] for q in common if (q, BASELINE) in by]
    ceiling = sum(1 for r in base if r.get("in_candidates")) / (len(base) or 1)
    moved = {
        s: {
            "better": sum(
                1 for q in common if (by[(q, s)]["rank"] or 99) < (by[(q, BASELINE)]["rank"] or 99)
            ),
            "worse": sum(
                1 for q in common if (by[(q, s)]["rank"] or 99) > (by[(q, BASELINE)]["rank"] or 99)
            ),
        }
        for s in specs
        if s != BASELINE
    }
    return {
        "questions": len(common),
        "questions_planned": len(qids),
        "depth": depth,
        "ceiling_recall_at_depth": round(ceiling, 4),
        "table": table,
        "rank_moves_vs_none": moved,
        "per_question": [by[(q, s)] for q in common for s in specs],
    }


def _write(result: dict, out: Path) -> None:
    from docnav.extras import pyplot

    plt = pyplot()  # a clear error naming the bench extra when matplotlib is absent

    (out / "results.json").write_text(json.dumps(result, indent=2))
    table = result["table"]
    fig, ax = plt.subplots(figsize=(7, 4))
    for s, r in table.items():
        ax.plot(KS, [100 * r[f"recall@{k}"] for k in KS], marker="o", label=s)
    ax.axhline(100 * result["ceiling_recall_at_depth"], ls=":", c="grey", label="ceiling")
    ax.set_xticks(KS, [f"@{k}" for k in KS])
    ax.set_ylim(0, 100)
    ax.set_ylabel("% of questions with a gold page in the top k")
    ax.set_title(
        f"Reranking the top {result['depth']} hybrid+filters hits ({result['questions']} q)"
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "rerank.png", dpi=110)
    plt.close(fig)
    lines = [
        "# Reranker benchmark (shared store, hybrid+filters candidates)",
        "",
        f"Command: `{result['command']}` (repo root, ../shared beside it), measured at commit "
        f"{result['measured_at_commit']}; chat model for the LLM rerankers: "
        f"`{result['chat_model']}`. {result['questions']} of {result['questions_planned']} "
        "planned questions are finished by every reranker and counted. Each reranker reorders "
        f"the same top {result['depth']} hybrid+filters candidates (the `docnav search --mode "
        "hybrid+rerank` code path); a question is found at k when a gold evidence page lies in "
        f"a top-k hit's page range. Ceiling (gold page anywhere in the top {result['depth']}): "
        f"{100 * result['ceiling_recall_at_depth']:.1f}%.",
        "",
        "| reranker | R@1 | R@3 | R@5 | R@10 | MRR@10 | LLM calls / q | s / q (p50) | fallback | better / worse than none |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for s, r in table.items():
        mv = result["rank_moves_vs_none"].get(s)
        fb = "" if r["fallback_share"] is None else f"{100 * r['fallback_share']:.0f}%"
        lines.append(
            f"| {s} | {100 * r['recall@1']:.1f} | {100 * r['recall@3']:.1f} | "
            f"{100 * r['recall@5']:.1f} | {100 * r['recall@10']:.1f} | {r['mrr@10']:.3f} | "
            f"{r['llm_calls_mean']} | {r['seconds_p50']} | {fb} | "
            + (f"{mv['better']} / {mv['worse']}" if mv else "")
            + " |"
        )
    lines += [
        "",
        "fallback = share of questions where the model's answer left some candidates unplaced "
        "(listwise) or ungraded (pointwise), so the input order decided part of the ranking. "
        "better / worse = questions whose gold page moved up / down against no reranking.",
        "",
        "![rerank](rerank.png)",
    ]
    (out / "report.md").write_text("\n".join(lines) + "\n")
