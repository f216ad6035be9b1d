"""report.md for bench/vllm_sizing.py (every figure from its results.json)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

KEYS = ("mean, no prefix cache", "p95, no prefix cache", "mean, prefix cache")


def _tokens(modes: dict[str, Any]) -> list[str]:
    lines = [
        "| mode | questions | prompt tokens median / p95 / mean | completion median / p95 / "
        "mean | model calls median / p95 | new prompt tokens with a prefix cache median / "
        "p95 / mean | from |",
        "|---|---:|---|---|---|---|---|",
    ]
    for mode, t in modes.items():
        src = "; ".join(f"{s['answers']} ({s['variant']}, {s['rows']})" for s in t["sources"])

        def f(k: str, t: dict = t) -> str:
            return f"{t[k]['median']:,.0f} / {t[k]['p95']:,.0f} / {t[k]['mean']:,.0f}"

        lines.append(
            f"| {mode} | {t['questions']} | {f('prompt')} | {f('completion')} "
            f"| {t['calls']['median']:g} / {t['calls']['p95']:g} "
            f"| {f('prompt_new_with_prefix_cache')} | {src} |"
        )
    return lines


def _sizing(rows: list[dict[str, Any]], tp: int) -> list[str]:
    lines = [
        "| mode | GPU | questions / hour | tokens / question: mean, no cache / p95 / mean with "
        f"prefix cache | GPUs: mean, no cache / p95 / mean with prefix cache | TP={tp} "
        "replicas (same three) |",
        "|---|---|---:|---|---|---|",
    ]
    for r in rows:
        tok = " / ".join(f"{r['tokens_per_question'][k]:,.0f}" for k in KEYS)
        g = " / ".join(f"{r['gpus'][k]:.2f}" for k in KEYS)
        rep = " / ".join(str(r["tp4_replicas"][k]) for k in KEYS)
        lines.append(
            f"| {r['mode']} | {r['gpu']} | {r['questions_per_hour']:,} | {tok} | {g} | {rep} |"
        )
    return lines


def _assumptions(result: dict[str, Any]) -> list[str]:
    lines = []
    for hw in result["throughput_assumptions"]:
        lines.append(
            f"- **{hw['gpu']}**: {hw['total_tokens_per_s']:,.0f} tokens/s (input + output) on "
            f"{hw['gpus_in_figure']} GPU, {hw['model']}, {hw['engine']}, {hw['profile']}. "
            f"Source: {hw['source']} ({hw['note']})."
        )
    return lines


def write_report(result: dict[str, Any], out: Path) -> None:
    lines = [
        "# vLLM sizing from measured tokens per question",
        "",
        f"Command: `{result['command']}` (repo root), commit {result['commit']}. Computed, not "
        "typed: the token figures come from the committed answer benchmarks, the throughput "
        "figures from the published sources below. **No throughput here was measured by this "
        "project: no GPU was lent to it.**",
        "",
        "## Tokens per question (measured, our benchmarks)",
        "",
        "The answer benchmarks ran Qwen2.5-Coder-1.5B (Q4_K_M, llama.cpp) on FinanceBench's "
        "dev questions and a synthetic corpus; tokens are that model's tokenizer, which Qwen "
        "2.5/3 32B models share closely. A 32B model would make a different number of agent "
        "calls; the token figures are the best measured stand-in, not a 32B measurement.",
        "",
        *_tokens(result["tokens"]),
        "",
        "## Throughput assumptions (published, not measured here)",
        "",
        *_assumptions(result),
        "- Qwen3-32B stands in for Qwen2.5-32B-Instruct: both are 32B dense models of the "
        "same family and size; no published Qwen2.5-32B batch-throughput figure under a "
        "long-prompt load was found.",
        "- The profile (4,000 prompt / 200 completion tokens) matches our calls' shape "
        "(2k-6k prompt tokens, tens to a few hundred completion tokens per call), so one "
        "total-tokens rate is applied to prompt and completion tokens together.",
        f"- GPUs are planned busy {result['utilization']:.0%} of the time at the stated "
        "load (headroom for bursts and long questions).",
        f"- The figures are per GPU with the model on one GPU; deploy/ runs TP={result['tp']} "
        "replicas (the issue's shape). Per GPU, tensor parallelism is usually no faster than "
        "separate replicas when the model fits one GPU, so the TP replica counts assume the "
        "per-GPU rate holds: optimistic for TP, and a reason to prefer TP=1 or 2 replicas "
        "of a 32B model on 80 GB GPUs.",
        "- 'With a prefix cache' counts only each call's prompt tokens beyond the previous "
        "call's prompt (vLLM `--enable-prefix-caching`; docnav keeps the system prompt and tool "
        "list byte-identical across calls so the repeated part is a prefix). Cached tokens are "
        "taken as free, which they nearly are next to prefill.",
        "",
        "## GPUs per load",
        "",
        "GPUs = questions/hour x tokens/question / 3600 / (tokens/s per GPU x utilization). "
        "'mean' is the load (throughput adds tokens up); 'p95' sizes as if every question "
        "were as long as the 95th percentile (a pessimistic bound).",
        "",
        *_sizing(result["sizing"], result["tp"]),
    ]
    (out / "report.md").write_text("\n".join(lines) + "\n")
