"""Embedded-backend speed: prompt-processing and generation tokens/s of llama.cpp on this CPU.

Each setting runs in its own subprocess (OpenMP reads OMP_WAIT_POLICY when llama.cpp loads,
and a fresh process keeps runs independent). Per setting: a ~2000-token filing-like prompt is
evaluated cold (prompt tokens/s), then N tokens are generated greedily (generation tokens/s),
then a second call whose prompt extends the first by ~100 tokens measures prefix-cache reuse.
A second section counts malformed tool calls of both models with and without the grammar on a
few tool-use prompts. Results: results/llm/{results.json, report.md, llm.png}.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from docnav.bench import git_commit, machine_info, machine_line

PARA = (
    "Net revenue for fiscal {y} was ${a:,} million, an increase of {p}% compared with fiscal "
    "{py}, driven by higher volumes in the Industrial segment and favourable pricing. Gross "
    "margin was {g}% of revenue. Operating expenses included restructuring charges of ${r} "
    "million related to facility consolidation (see Note {n}, Restructuring). Cash provided by "
    "operating activities was ${c:,} million; capital expenditures were ${x} million. "
)


def filing_text(n_paragraphs: int) -> str:
    parts = []
    for i in range(n_paragraphs):
        y = 2015 + i % 9
        parts.append(
            PARA.format(
                y=y,
                py=y - 1,
                a=1200 + 37 * i,
                p=3 + i % 11,
                g=31 + i % 7,
                r=12 + i,
                n=4 + i % 15,
                c=800 + 13 * i,
                x=90 + 3 * i,
            )
        )
    return "".join(parts)


# settings tried: (label, model key, threads, batch, flash_attn, OMP_WAIT_POLICY)
DEFAULT_GRID: list[tuple[str, str, int, int, bool, str]] = [
    ("0.5B t2 b512", "qwen2.5-coder-0.5b", 2, 512, False, "PASSIVE"),
    ("0.5B t1 b512", "qwen2.5-coder-0.5b", 1, 512, False, "PASSIVE"),
    ("0.5B t2 b128", "qwen2.5-coder-0.5b", 2, 128, False, "PASSIVE"),
    ("0.5B t2 b512 flash", "qwen2.5-coder-0.5b", 2, 512, True, "PASSIVE"),
    ("0.5B t2 b512 omp-active", "qwen2.5-coder-0.5b", 2, 512, False, "ACTIVE"),
    ("1.5B t2 b512", "qwen2.5-coder-1.5b", 2, 512, False, "PASSIVE"),
    ("1.5B t1 b512", "qwen2.5-coder-1.5b", 1, 512, False, "PASSIVE"),
]

CALL_PROMPTS = [
    "What is 1234 * 5678? Use the calculator.",
    "Read pages 40 to 42 of the document 3M_2018_10K.",
    "Find where the 2022 10-K of Best Buy mentions 'restructuring' using grep.",
    "Compute the growth rate from 4,210 to 4,633 million.",
    "Show me the outline of AMCOR_2023_10K.",
    "Search the filings for PepsiCo's capital expenditures in FY2022.",
]


def call_tools() -> list[Any]:
    from docnav.agent.llm.base import ToolSpec

    def obj(props: dict, req: list[str]) -> dict:
        return {"type": "object", "properties": props, "required": req}

    s, i = {"type": "string"}, {"type": "integer"}
    return [
        ToolSpec(
            name="calculator",
            description="Evaluate arithmetic.",
            parameters=obj({"expression": s}, ["expression"]),
        ),
        ToolSpec(
            name="read_pages",
            description="Read pages start..end of a document.",
            parameters=obj({"doc": s, "start": i, "end": i}, ["doc", "start"]),
        ),
        ToolSpec(
            name="grep",
            description="Regex search over filings.",
            parameters=obj({"pattern": s, "company": s, "year": i}, ["pattern"]),
        ),
        ToolSpec(
            name="outline",
            description="Section tree of a document.",
            parameters=obj({"doc": s}, ["doc"]),
        ),
        ToolSpec(
            name="search",
            description="Hybrid search over filings.",
            parameters=obj({"query": s, "k": i}, ["query"]),
        ),
    ]


# --- worker (one setting, in a subprocess) ---------------------------------------------------
def _perf(llm: Any) -> tuple[float, int, float, int]:
    import llama_cpp

    # llama.cpp adds a decode's time to its counters when the context synchronises
    llama_cpp.llama_synchronize(llm._ctx.ctx)
    p = llama_cpp.llama_perf_context(llm._ctx.ctx)
    return p.t_p_eval_ms / 1000, p.n_p_eval, p.t_eval_ms / 1000, p.n_eval


def worker_speed(cfg: dict[str, Any]) -> dict[str, Any]:
    from docnav.agent.llm.llama_cpp import import_llama_cpp

    llama_cpp = import_llama_cpp()  # with the AMX workaround (agent/llm/llama_cpu.py)

    t0 = time.perf_counter()
    llm = llama_cpp.Llama(
        cfg["model_path"],
        n_ctx=4096,
        n_batch=cfg["batch"],
        n_ubatch=cfg["batch"],
        n_threads=cfg["threads"],
        n_threads_batch=cfg["threads"],
        flash_attn=cfg["flash"],
        verbose=False,
    )
    load_s = time.perf_counter() - t0
    text = filing_text(60)
    toks = llm.tokenize(text.encode(), add_bos=False)[: cfg["prompt_tokens"]]
    extra = llm.tokenize((" " + filing_text(3)).encode(), add_bos=False)[:100]

    # cold prompt
    a = _perf(llm)
    t0 = time.perf_counter()
    llm.eval(toks)
    pp_wall = time.perf_counter() - t0
    b = _perf(llm)
    # generation, greedy, fixed length
    n = 0
    t0 = time.perf_counter()
    for _ in llm.generate([], top_k=1, temp=0.0, reset=False):
        n += 1
        if n >= cfg["gen_tokens"]:
            break
    gen_wall = time.perf_counter() - t0
    c = _perf(llm)
    # second call: first prompt + 100 new tokens; generate() keeps the common prefix
    t0 = time.perf_counter()
    for _ in llm.generate(toks + extra, top_k=1, temp=0.0):
        break
    reuse_wall = time.perf_counter() - t0
    d = _perf(llm)
    return {
        "load_s": round(load_s, 2),
        "prompt_tokens": len(toks),
        "pp_tok_s": round((b[1] - a[1]) / (b[0] - a[0]), 1),
        "pp_wall_s": round(pp_wall, 2),
        "gen_tokens": n,
        "gen_tok_s": round((c[3] - b[3]) / (c[2] - b[2]), 2),
        "gen_wall_s": round(gen_wall, 2),
        "reuse_new_tokens": len(extra),
        "reuse_evaluated_tokens": int(d[1] - c[1]),
        "reuse_wall_s": round(reuse_wall, 2),
        "reuse_speedup_vs_cold": round(
            pp_wall * (len(toks) + len(extra)) / len(toks) / reuse_wall, 1
        ),
    }


def worker_calls(cfg: dict[str, Any]) -> dict[str, Any]:
    from docnav.agent.llm.base import ChatMessage
    from docnav.agent.llm.llama_cpp import LlamaCppChatModel

    tools = call_tools()
    m = LlamaCppChatModel(cfg["model_path"], n_ctx=4096, n_threads=cfg["threads"], n_batch=512)
    system = ChatMessage(
        role="system",
        content="You are a financial research assistant. Answer by calling one of the tools.",
    )
    out: dict[str, Any] = {}
    for grammar in (True, False):
        m.use_grammar = grammar
        rows = []
        for q in CALL_PROMPTS[: cfg["n_prompts"]]:
            r = m.chat([system, ChatMessage(role="user", content=q)], tools, max_tokens=80)
            calls = r.message.tool_calls
            rows.append(
                {
                    "prompt": q,
                    "calls": [c.model_dump(exclude={"id"}) for c in calls],
                    "text": r.message.content[:200],
                    "malformed": any(c.parse_error for c in calls),
                    "no_call": not calls,
                    "gen_tok_s": round(r.timings.get("gen_tok_s", 0.0), 2),
                }
            )
        out["grammar" if grammar else "no grammar"] = {
            "n": len(rows),
            "calls_ok": sum(1 for r in rows if r["calls"] and not r["malformed"]),
            "malformed": sum(r["malformed"] for r in rows),
            "no_call": sum(r["no_call"] for r in rows),
            "gen_tok_s_mean": round(sum(r["gen_tok_s"] for r in rows) / len(rows), 2),
            "rows": rows,
        }
    return out


# --- parent -----------------------------------------------------------------------------------
def _run_worker(kind: str, cfg: dict[str, Any], omp: str, timeout_s: float) -> dict[str, Any]:
    env = {**os.environ, "OMP_WAIT_POLICY": omp}
    cmd = [sys.executable, "-m", "docnav.bench.llm", kind, json.dumps(cfg)]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout_s)
    if p.returncode != 0:
        return {"error": p.stderr.strip()[-800:]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def _loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def run_llm_bench(
    out: Path,
    models_dir: Path,
    *,
    prompt_tokens: int = 2000,
    gen_tokens: int = 32,
    n_prompts: int = 6,
    only: str | None = None,
    calls: bool = True,
    console: Console | None = None,
    command: str = "",
) -> dict[str, Any]:
    from docnav.agent.llm.gguf import resolve_model_path

    console = console or Console()
    wanted = [o.strip() for o in only.split(",")] if only else []
    exact = [g for g in DEFAULT_GRID if g[0] in wanted]
    grid = exact or [g for g in DEFAULT_GRID if not wanted or any(o in g[0] for o in wanted)]
    paths = {key: str(resolve_model_path(key, models_dir)) for key in {g[1] for g in grid}}
    result: dict[str, Any] = {
        "command": command,
        "measured_at_commit": git_commit(),
        "machine": machine_info(),
        "llama_cpp": _llama_info(),
        "load_before": _loadavg(),
        "settings": {},
        "calls": {},
    }
    for label, key, threads, batch, flash, omp in grid:
        cfg = {
            "model_path": paths[key],
            "threads": threads,
            "batch": batch,
            "flash": flash,
            "prompt_tokens": prompt_tokens,
            "gen_tokens": gen_tokens,
        }
        load = _loadavg()
        r = _run_worker("speed", cfg, omp, timeout_s=900)
        r.update(
            model=key,
            threads=threads,
            batch=batch,
            flash_attn=flash,
            omp_wait_policy=omp,
            load_at_start=load,
        )
        result["settings"][label] = r
        console.print(
            f"{label}: {json.dumps({k: r.get(k) for k in ('pp_tok_s', 'gen_tok_s', 'reuse_evaluated_tokens', 'reuse_speedup_vs_cold', 'error')})}"
        )
    if calls:
        for key in sorted({g[1] for g in grid}):
            cfg = {"model_path": paths[key], "threads": 2, "n_prompts": n_prompts}
            r = _run_worker("calls", cfg, "PASSIVE", timeout_s=1800)
            result["calls"][key] = r
            console.print(
                f"calls {key}: "
                + json.dumps(
                    {
                        k: {kk: v.get(kk) for kk in ("calls_ok", "malformed", "no_call")}
                        for k, v in r.items()
                        if isinstance(v, dict)
                    }
                )
            )
    result["load_after"] = _loadavg()
    _write(result, out)
    return result


def _llama_info() -> str:
    try:
        import llama_cpp

        return (
            f"llama-cpp-python {llama_cpp.__version__}; "
            + llama_cpp.llama_print_system_info().decode().strip()
        )
    except Exception as e:  # noqa: BLE001 - reported, not fatal
        return f"unavailable: {e}"


def _write(result: dict[str, Any], out: Path) -> None:
    from docnav.extras import pyplot

    plt = pyplot()  # a clear error naming the bench extra when matplotlib is absent

    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(result, indent=2))
    rows = {k: v for k, v in result["settings"].items() if "error" not in v}
    if rows:
        labels = list(rows)
        fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
        for ax, key, title in zip(
            axes, ("pp_tok_s", "gen_tok_s"), ("prompt processing", "generation"), strict=True
        ):
            vals = [rows[k][key] for k in labels]
            ax.barh(labels, vals, color=["C0" if "0.5B" in k else "C1" for k in labels])
            ax.set_xlabel("tokens/s")
            ax.set_title(f"{title} (llama.cpp, this CPU)")
            ax.invert_yaxis()
            for i, v in enumerate(vals):
                ax.text(v, i, f" {v}", va="center", fontsize=8)
        fig.tight_layout()
        fig.savefig(out / "llm.png", dpi=110)
        plt.close(fig)
    lines = [
        "# Embedded LLM backend speed (llama.cpp on the CPU)",
        "",
        f"Command: `{result['command']}` (repo root), measured at commit {result['measured_at_commit']}.",
        f"Machine: {machine_line(result['machine'])}. {result['llama_cpp']}.",
        f"Load average (1/5/15 min) before: {result['load_before']}, after: {result.get('load_after')} "
        "— the CPU is shared, so absolute figures vary with what else runs; compare rows of one run.",
        "",
        "Prompt = a filing-like text, evaluated cold; generation = greedy, fixed length; reuse = a "
        "second call whose prompt is the first plus ~100 tokens (llama.cpp keeps the common prefix "
        "in its KV cache and evaluates only the rest).",
        "",
        "| setting | prompt tok | prompt tok/s | gen tok/s | reuse: evaluated / new tokens | reuse speedup vs cold | load at start |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for k, r in result["settings"].items():
        if "error" in r:
            lines.append(f"| {k} | error: {r['error'][:120]} | | | | | |")
            continue
        lines.append(
            f"| {k} | {r['prompt_tokens']} | {r['pp_tok_s']} | {r['gen_tok_s']} | "
            f"{r['reuse_evaluated_tokens']} / {r['reuse_new_tokens']} | {r['reuse_speedup_vs_cold']}x | {r['load_at_start']} |"
        )
    if result["calls"]:
        lines += [
            "",
            "## Tool calls: grammar vs none",
            "",
            f"{next(iter(result['calls'].values())).get('grammar', {}).get('n', '?')} tool-use prompts, 5 tools, greedy, max 80 tokens. malformed = a call "
            "whose JSON or name could not be parsed/validated; no call = the model answered in text.",
            "",
            "| model | mode | valid calls | malformed | no call | gen tok/s (mean) |",
            "| --- | --- | ---: | ---: | ---: | ---: |",
        ]
        for key, modes in result["calls"].items():
            if "error" in modes:
                lines.append(f"| {key} | error: {modes['error'][:120]} | | | | |")
                continue
            for mode, r in modes.items():
                lines.append(
                    f"| {key} | {mode} | {r['calls_ok']}/{r['n']} | {r['malformed']} | {r['no_call']} | {r['gen_tok_s_mean']} |"
                )
    (out / "report.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":  # worker entry: python -m docnav.bench.llm speed|calls '<json>'
    kind, cfg_json = sys.argv[1], sys.argv[2]
    fn = worker_speed if kind == "speed" else worker_calls
    print(json.dumps(fn(json.loads(cfg_json))))
