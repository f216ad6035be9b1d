"""`docnav bench compare RUN_A RUN_B`: what changed between two answer-benchmark runs.

Per variant present in both: accuracy, refusal rate, evidence recall, p50 latency and tokens
of each run on the questions both ran, and the questions whose outcome flipped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docnav.bench.answers import read_rows
from docnav.bench.answers_report import _outcome, _pct, variant_metrics
from docnav.errors import DocnavError


def compare_runs(a: Path, b: Path, price_in: float = 0.15, price_out: float = 0.60) -> dict:
    rows_a, _ = read_rows(a / "answers.jsonl")
    rows_b, _ = read_rows(b / "answers.jsonl")
    for run, rows in ((a, rows_a), (b, rows_b)):
        if not rows:
            raise DocnavError(f"no results in {run / 'answers.jsonl'}")
    ka = {(r["id"], r["variant"]): r for r in rows_a}
    kb = {(r["id"], r["variant"]): r for r in rows_b}
    variants = sorted({v for _, v in ka} & {v for _, v in kb})
    out: dict[str, Any] = {"a": str(a), "b": str(b), "variants": {}}
    for v in variants:
        common = sorted(k for k in ka if k[1] == v and k in kb)
        ma = variant_metrics([ka[k] for k in common], price_in, price_out)
        mb = variant_metrics([kb[k] for k in common], price_in, price_out)
        flips = [
            {"id": k[0], "a": _outcome(ka[k]), "b": _outcome(kb[k])}
            for k in common
            if _outcome(ka[k]) != _outcome(kb[k])
        ]
        out["variants"][v] = {"n": len(common), "a": ma, "b": mb, "flips": flips}
    only_a = sorted({v for _, v in ka} - {v for _, v in kb})
    only_b = sorted({v for _, v in kb} - {v for _, v in ka})
    out["only_in_a"], out["only_in_b"] = only_a, only_b
    return out


def render_comparison(cmp: dict) -> str:
    L = [f"# {cmp['a']}  vs  {cmp['b']}", ""]
    L += [
        "| mode | n (both) | % correct A → B | % refusal A → B | evidence recall A → B | "
        "p50 s A → B | tokens in A → B | flips (A→B) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for v, d in cmp["variants"].items():
        a, b = d["a"], d["b"]
        up = sum(f["b"] == "correct" for f in d["flips"])
        down = sum(f["a"] == "correct" for f in d["flips"])

        def pair(key: str, pct: bool = True, nd: int = 1, a: dict = a, b: dict = b) -> str:
            fa, fb = a.get(key), b.get(key)
            f = _pct if pct else (lambda x: "–" if x is None else f"{x:.{nd}f}")
            return f"{f(fa)} → {f(fb)}"

        L.append(
            f"| {v} | {d['n']} | {pair('accuracy')} | {pair('refusal_rate')} | "
            f"{pair('evidence_recall_any')} | {pair('latency_p50_s', False)} | "
            f"{pair('tokens_in_mean', False, 0)} | +{up} / −{down} |"
        )
    for v, d in cmp["variants"].items():
        if d["flips"]:
            L += ["", f"{v}: " + "; ".join(f"{f['id']} {f['a']}→{f['b']}" for f in d["flips"])]
    if cmp["only_in_a"] or cmp["only_in_b"]:
        L += ["", f"only in A: {cmp['only_in_a'] or '–'}; only in B: {cmp['only_in_b'] or '–'}"]
    return "\n".join(L) + "\n"
