"""The answer benchmark: `docnav bench answers | report | compare | checkers | llm | grade`.
Loaded only when `docnav bench` runs (see docnav/cli/bench.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from docnav.bench import FB_PAPER, FB_QUESTIONS
from docnav.cli.common import JsonOpt, console, err, fail, split_csv
from docnav.errors import DocnavError
from docnav.settings import Settings

app = typer.Typer()


@app.command("answers")
def bench_answers(
    questions: Annotated[
        Path | None,
        typer.Option(
            help="Question JSONL: FinanceBench or docnav's format (default ../shared/financebench/questions.jsonl)."
        ),
    ] = None,
    modes: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated: closed-book, rag, rag-single, long-context, "
            "long-context-qfirst, oracle, oracle-qfirst, agent, agent-single (the free policy), "
            "agent-guided (the guided policy) (default closed-book,rag,agent)."
        ),
    ] = None,
    ids: Annotated[str | None, typer.Option(help="Comma-separated question ids.")] = None,
    company: Annotated[str | None, typer.Option(help="Only this company's questions.")] = None,
    question_type: Annotated[str | None, typer.Option(help="Only this question type.")] = None,
    failure_mode: Annotated[
        str | None, typer.Option(help="Only this planted failure mode (docnav synth sets).")
    ] = None,
    order: Annotated[
        str | None,
        typer.Option(help="file (default) or round-robin over failure modes, before --limit."),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="First N selected questions.")] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Run folder, resumed when it exists (default results/answers)."),
    ] = None,
    bench_home: Annotated[
        Path | None,
        typer.Option(
            "--bench-home",
            help="Store with the filings, ingested from --pdfs if empty (default ~/.docnav/bench-financebench).",
        ),
    ] = None,
    pdfs: Annotated[Path | None, typer.Option(help="PDFs to ingest into an empty store.")] = None,
    config: Annotated[
        Path | None, typer.Option(help="Run config (YAML or JSON, same keys); flags win.")
    ] = None,
    backend: Annotated[
        str | None, typer.Option(help="Answering LLM backend: local | openai | vllm.")
    ] = None,
    model: Annotated[str | None, typer.Option(help="Answering model name or .gguf path.")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible server URL.")] = None,
    judge_backend: Annotated[
        str | None,
        typer.Option(help="same (the answering model) | none | local | openai | vllm."),
    ] = None,
    judge_model: Annotated[str | None, typer.Option(help="Judge model name.")] = None,
    judge_base_url: Annotated[str | None, typer.Option(help="Judge server URL.")] = None,
    rag_k: Annotated[int | None, typer.Option(help="Chunks given to rag modes.")] = None,
    rag_mode: Annotated[str | None, typer.Option(help="bm25 | dense | hybrid.")] = None,
    timeout_s: Annotated[
        float | None, typer.Option(help="Per-question time limit, seconds (default 900).")
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option(help="Questions at once (HTTP backends only).")
    ] = None,
    tolerance: Annotated[
        float | None, typer.Option(help="Numeric tolerance, relative (0.01 = ±1%).")
    ] = None,
    retry_timeouts: Annotated[
        bool, typer.Option("--retry-timeouts", help="Rerun questions that timed out.")
    ] = False,
    guided_off: Annotated[
        str | None,
        typer.Option(
            "--guided-off",
            help="agent-guided ablation: pieces switched off, comma-separated: first, facts, "
            "repeat, notfound, tools, plan, calc, lean, once (a new --out per ablation).",
        ),
    ] = None,
) -> None:
    """Answer a question set in several modes and grade it (numeric verifier, refusal
    detector, LLM judge); resumable: rerun the same command to go on where it stopped. Writes
    answers.jsonl, results.json, report.md and plots to --out."""
    from docnav.agent.llm.base import LLMError
    from docnav.bench.answers import RunConfig, load_config, run_answers
    from docnav.bench.answers_report import write_report

    try:
        data = load_config(config) if config else {}
        flags = {
            "questions": questions,
            "modes": split_csv(modes),
            "ids": split_csv(ids),
            "company": company,
            "question_type": question_type,
            "failure_mode": failure_mode,
            "order": order,
            "limit": limit,
            "out": out,
            "bench_home": bench_home,
            "pdfs": pdfs,
            "judge": judge_backend,
            "judge_model": judge_model,
            "judge_base_url": judge_base_url,
            "rag_k": rag_k,
            "rag_mode": rag_mode,
            "timeout_s": timeout_s,
            "concurrency": concurrency,
            "tolerance": tolerance,
            "guided_off": guided_off,
        }
        data.update({k: v for k, v in flags.items() if v is not None})
        llm = dict(data.get("llm") or {})
        llm.update(
            {k: v for k, v in (("backend", backend), ("model", model), ("base_url", base_url)) if v}
        )
        data["llm"] = llm
        data["retry_timeouts"] = retry_timeouts or data.get("retry_timeouts", False)
        data["command"] = "docnav " + " ".join(sys.argv[1:])
        cfg = RunConfig.model_validate(data)
        run_answers(cfg, console=console)
        s = Settings()
        res = write_report(
            cfg.out, s.bench_price_in_per_mtok, s.bench_price_out_per_mtok, cfg.paper_results
        )
    except (DocnavError, LLMError) as exc:
        fail(exc)
    except KeyboardInterrupt:
        err.print("stopped; rerun the same command to go on where it stopped")
        raise typer.Exit(130) from None
    for v in res["variants"]:
        m = res["metrics"][v]
        acc = "–" if m["accuracy"] is None else f"{100 * m['accuracy']:.1f}%"
        console.print(f"{v}: {acc} correct of {m['n']}, outcomes {m['outcomes']}")
    console.print(f"report: {cfg.out / 'report.md'}")


@app.command("report")
def bench_report(
    run: Annotated[Path, typer.Argument(help="A run folder of `docnav bench answers`.")],
    paper_results: Annotated[
        Path, typer.Option(help="The paper's labelled outputs, for side-by-side figures.")
    ] = FB_PAPER,
) -> None:
    """Rewrite report.md, results.json and the plots of a run from its answers.jsonl."""
    from docnav.bench.answers_report import write_report

    s = Settings()
    try:
        write_report(run, s.bench_price_in_per_mtok, s.bench_price_out_per_mtok, paper_results)
    except DocnavError as exc:
        fail(exc)
    console.print(f"report: {run / 'report.md'}")


@app.command("compare")
def bench_compare(
    run_a: Annotated[Path, typer.Argument(help="First run folder.")],
    run_b: Annotated[Path, typer.Argument(help="Second run folder.")],
    json_out: JsonOpt = False,
) -> None:
    """Diff two answer-benchmark runs: per mode accuracy, refusals, evidence recall, latency,
    tokens on the questions both ran, and the questions whose outcome flipped."""
    from docnav.bench.compare import compare_runs, render_comparison

    s = Settings()
    try:
        cmp = compare_runs(run_a, run_b, s.bench_price_in_per_mtok, s.bench_price_out_per_mtok)
    except DocnavError as exc:
        fail(exc)
    if json_out:
        print(json.dumps(cmp, indent=2))
    else:
        console.print(render_comparison(cmp), markup=False)


@app.command("checkers")
def bench_checkers(
    paper_results: Annotated[Path, typer.Option(help="The paper's labelled outputs.")] = FB_PAPER,
    questions: Annotated[Path, typer.Option(help="FinanceBench questions.jsonl.")] = FB_QUESTIONS,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("results/checkers"),
    judge_backend: Annotated[
        str, typer.Option(help="none (numeric + refusal only) | local | openai | vllm.")
    ] = "none",
    judge_model: Annotated[str | None, typer.Option(help="Judge model name.")] = None,
    judge_base_url: Annotated[str | None, typer.Option(help="Judge server URL.")] = None,
    n: Annotated[int, typer.Option("--n", help="Judge sample size (labelled rows).")] = 40,
    seed: Annotated[int, typer.Option(help="Seed of the judge sample.")] = 0,
    max_minutes: Annotated[
        float | None, typer.Option(help="Start no new judge call after this long.")
    ] = None,
) -> None:
    """Validate the checkers against the paper's human labels: the numeric verifier and the
    refusal detector on every labelled row, the LLM judge on a seeded sample (resumable)."""
    from docnav.agent.llm import make_chat_model
    from docnav.agent.llm.base import LLMError
    from docnav.bench.answers import ModelSpec
    from docnav.bench.answers_validate import run_checker_validation

    s = Settings()
    try:
        judge = None
        if judge_backend != "none":
            spec = ModelSpec(backend=judge_backend, model=judge_model, base_url=judge_base_url)
            judge = make_chat_model(spec.settings(s))
        res = run_checker_validation(
            out,
            paper_results,
            questions,
            judge,
            judge_backend,
            n=n,
            seed=seed,
            tol=s.bench_numeric_tolerance,
            loose=s.bench_numeric_loose_tolerance,
            deadline_s=None if max_minutes is None else 60 * max_minutes,
            command="docnav " + " ".join(sys.argv[1:]),
        )
    except (DocnavError, LLMError) as exc:
        fail(exc)
    for k, v in res["numeric"]["policies"].items():
        console.print(f"numeric {k}: {100 * v['agreement']:.1f}% agreement with human labels")
    console.print(f"refusals: {100 * res['refusals']['agreement']:.1f}% agreement")
    if res.get("judge"):
        console.print(f"judge: {res['judge']}")
    console.print(f"report: {out / 'report.md'}")


@app.command("llm")
def bench_llm(
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("results/llm"),
    prompt_tokens: Annotated[int, typer.Option(help="Prompt length, tokens.")] = 2000,
    gen_tokens: Annotated[int, typer.Option(help="Tokens generated per setting.")] = 32,
    n_prompts: Annotated[int, typer.Option(help="Tool-use prompts per model and mode.")] = 6,
    only: Annotated[
        str | None, typer.Option(help="Comma-separated substrings of setting labels, e.g. 0.5B.")
    ] = None,
    calls: Annotated[bool, typer.Option(help="Also count malformed tool calls.")] = True,
) -> None:
    """Embedded llama.cpp speed: prompt and generation tokens/s per setting (threads, batch,
    flash attention, OpenMP wait policy), prefix-cache reuse, and malformed tool calls with and
    without the grammar, for the 0.5B and 1.5B models."""
    from docnav.agent.llm.base import LLMError
    from docnav.bench.llm import run_llm_bench

    try:
        run_llm_bench(
            out,
            Settings().models_dir,
            prompt_tokens=prompt_tokens,
            gen_tokens=gen_tokens,
            n_prompts=n_prompts,
            only=only,
            calls=calls,
            console=console,
            command="docnav " + " ".join(sys.argv[1:]),
        )
    except (DocnavError, LLMError) as exc:
        fail(exc)
    console.print(f"report: {out / 'report.md'}")


@app.command("grade")
def bench_grade(
    run: Annotated[Path, typer.Argument(help="A run folder of `docnav bench answers`.")],
    judge_backend: Annotated[
        str, typer.Option(help="none | local | openai | vllm: judges sentence answers.")
    ] = "none",
    judge_model: Annotated[str | None, typer.Option(help="Judge model name.")] = None,
    judge_base_url: Annotated[str | None, typer.Option(help="Judge server URL.")] = None,
    rejudge: Annotated[
        bool, typer.Option("--rejudge", help="Judge again rows the judge already decided.")
    ] = False,
    paper_results: Annotated[
        Path, typer.Option(help="The paper's labelled outputs, for the report.")
    ] = FB_PAPER,
) -> None:
    """Grade a run again without answering: numeric verifier and refusal detector on every
    row, the judge where no judge verdict exists (e.g. a run made with --judge-backend none);
    then rewrite the report."""
    from docnav.agent.llm import make_chat_model
    from docnav.agent.llm.base import LLMError
    from docnav.bench.answers import ModelSpec, regrade
    from docnav.bench.answers_report import write_report
    from docnav.bench.judge import Grader

    s = Settings()
    try:
        judge = None
        if judge_backend != "none":
            spec = ModelSpec(backend=judge_backend, model=judge_model, base_url=judge_base_url)
            judge = make_chat_model(spec.settings(s))
        grader = Grader(judge, s.bench_numeric_tolerance, s.bench_numeric_loose_tolerance)
        counts = regrade(run, grader, rejudge=rejudge)
        write_report(run, s.bench_price_in_per_mtok, s.bench_price_out_per_mtok, paper_results)
    except (DocnavError, LLMError) as exc:
        fail(exc)
    console.print(f"{counts}; report: {run / 'report.md'}")


# -- demo (issue 8): RAG vs agent side by side on the synthetic corpus --------------------------
