"""GPUs for a vLLM deployment, computed from the tokens per question our answer benchmarks
measured (results/answers-*/answers.jsonl) and published vLLM throughput for a 32B-class
model. No GPU was lent to this project, so no throughput figure here is ours: each comes with
its source, and the report says so.

    python -m docnav.bench.vllm_sizing --out results/vllm-sizing

Tokens per question: every row with a trace (status ok, or a timeout that got as far as
model calls), per mode; prompt tokens summed over the question's model calls, as a server
without prefix caching prefills them, and "new prompt tokens with a prefix cache": each call
adds only what its prompt has beyond the previous call's (the agent resends its history, so
with vLLM's prefix caching the repeated part is not computed again).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
from pathlib import Path
from typing import Any

from docnav.bench import git_commit

# mode -> (results folder, variant) pairs: every committed run of that mode
RUNS: dict[str, list[tuple[str, str]]] = {
    "rag": [("results/answers-dev60", "rag"), ("results/answers-synth", "rag")],
    "agent": [("results/answers-dev60", "agent"), ("results/answers-synth", "agent")],
    "agent-guided": [
        ("results/answers-dev60-guided", "agent-guided"),
        ("results/answers-dev60-guided2", "agent-guided"),
    ],
}
# Published vLLM throughput for a 32B dense model, prompt-heavy requests (our calls are
# 2k-6k prompt tokens and <= a few hundred completion tokens per call). Not measured here.
THROUGHPUT: list[dict[str, Any]] = [
    {
        "gpu": "A100 SXM 80GB",
        "gpus_in_figure": 1,
        "model": "Qwen3-32B, BF16",
        "engine": "vLLM v0.11.0, default settings (GPUStack's baseline)",
        "profile": "long prompt: 4,000 input / 200 output tokens per request, high concurrency",
        "total_tokens_per_s": 1837.08,
        "source": "https://docs.gpustack.ai/latest/performance-lab/qwen3-32b/a100",
        "note": "the page states one A100 SXM 80GB",
    },
    {
        "gpu": "H100",
        "gpus_in_figure": 1,
        "model": "Qwen3-32B, BF16",
        "engine": "vLLM v0.11.0, default settings (GPUStack's baseline)",
        "profile": "long prompt: 4,000 input / 200 output tokens per request, high concurrency",
        "total_tokens_per_s": 2148.69,
        "source": "https://docs.gpustack.ai/latest/performance-lab/qwen3-32b/h100",
        "note": "the excerpt read did not state the GPU count; taken as one GPU, like the "
        "A100 page of the same series",
    },
]
QUESTIONS_PER_HOUR = (100, 1_000, 10_000)
UTILIZATION = 0.6  # plan GPUs busy 60% of the time at the stated load: bursts, long tails
TP = 4  # GPUs per vLLM replica in deploy/ (tensor parallelism)


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, math.ceil(q * len(xs)) - 1)]


def _model_steps(row: dict) -> list[dict]:
    trace = (row.get("answer") or {}).get("trace") or {}
    return [s for s in trace.get("steps", []) if s.get("kind") != "tool" and s.get("tokens_in")]


def question_tokens(row: dict) -> dict[str, float] | None:
    """Prompt, completion and prefix-cached prompt tokens of one question, or None."""
    trace = (row.get("answer") or {}).get("trace") or {}
    prompt, completion = trace.get("tokens_in") or 0, trace.get("tokens_out") or 0
    if not prompt:
        return None
    steps, new, last = _model_steps(row), 0, 0
    for s in steps:  # a prompt that extends the previous one costs only its new tokens
        new += s["tokens_in"] - last if s["tokens_in"] >= last else s["tokens_in"]
        last = s["tokens_in"]
    return {
        "prompt": prompt,
        "completion": completion,
        "calls": trace.get("llm_calls") or len(steps),
        "prompt_new_with_prefix_cache": new or prompt,
    }


def mode_tokens(root: Path, runs: list[tuple[str, str]]) -> dict[str, Any]:
    rows, sources = [], []
    for folder, variant in runs:
        path = root / folder / "answers.jsonl"
        got = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
        mine = [q for r in got if r["variant"] == variant and (q := question_tokens(r))]
        sources.append(
            {"answers": f"{folder}/answers.jsonl", "variant": variant, "rows": len(mine)}
        )
        rows += mine
    out: dict[str, Any] = {"sources": sources, "questions": len(rows)}
    for key in ("prompt", "completion", "calls", "prompt_new_with_prefix_cache"):
        xs = [r[key] for r in rows]
        out[key] = {
            "median": statistics.median(xs),
            "p95": _pct(xs, 0.95),
            "mean": statistics.fmean(xs),
        }
    return out


def gpus(tokens_per_question: float, qph: int, tps: float) -> float:
    """GPUs kept busy ``UTILIZATION`` of the time by ``qph`` questions an hour."""
    return qph * tokens_per_question / 3600 / (tps * UTILIZATION)


def sizing(modes: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for mode, t in modes.items():
        for hw in THROUGHPUT:
            tps = hw["total_tokens_per_s"] / hw["gpus_in_figure"]
            for qph in QUESTIONS_PER_HOUR:
                per_q = {
                    "mean, no prefix cache": t["prompt"]["mean"] + t["completion"]["mean"],
                    "p95, no prefix cache": t["prompt"]["p95"] + t["completion"]["p95"],
                    "mean, prefix cache": t["prompt_new_with_prefix_cache"]["mean"]
                    + t["completion"]["mean"],
                }
                g = {k: gpus(v, qph, tps) for k, v in per_q.items()}
                rows.append(
                    {
                        "mode": mode,
                        "gpu": hw["gpu"],
                        "questions_per_hour": qph,
                        "tokens_per_question": per_q,
                        "gpus": g,
                        "tp4_replicas": {k: math.ceil(v / TP) for k, v in g.items()},
                    }
                )
    return rows


def run(root: Path, out: Path, command: str) -> dict[str, Any]:
    modes = {m: mode_tokens(root, runs) for m, runs in RUNS.items()}
    result = {
        "command": command,
        "commit": git_commit(),
        "utilization": UTILIZATION,
        "tp": TP,
        "throughput_assumptions": THROUGHPUT,
        "tokens": modes,
        "sizing": sizing(modes),
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(result, indent=2))
    from docnav.bench.vllm_sizing_report import write_report

    write_report(result, out)
    return result


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--root", type=Path, default=Path("."), help="Repository root.")
    p.add_argument("--out", type=Path, default=Path("results/vllm-sizing"))
    a = p.parse_args(argv)
    run(a.root, a.out, f"python -m docnav.bench.vllm_sizing --out {a.out}")
    print(f"wrote {a.out}/report.md and results.json")


if __name__ == "__main__":
    main()
