"""Questions: `docnav ask` (one question, one mode) and `docnav demo` (RAG vs agent)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from docnav.cli.common import (
    HomeOpt,
    JsonOpt,
    console,
    err,
    fail,
    fail_llm,
    open_engine,
    settings_for,
    split_csv,
)
from docnav.errors import DocnavError, LLMUnavailableError

app = typer.Typer()


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    mode: Annotated[
        str,
        typer.Option(
            "--mode",
            "-m",
            help="agent (navigates with tools) | rag (retrieve then answer) | long-context "
            "(whole filing in the prompt) | oracle (the given --pages) | closed-book (no documents).",
        ),
    ] = "agent",
    doc: Annotated[
        str | None, typer.Option("--doc", help="Scope to one filing (name or id).")
    ] = None,
    company: Annotated[str | None, typer.Option("--company", help="Filter by company.")] = None,
    form: Annotated[str | None, typer.Option("--form", help="Filter by form (10-K, ...).")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Filter by fiscal year.")] = None,
    pages: Annotated[
        str | None, typer.Option("--pages", help="oracle: evidence pages, 1-based, e.g. 12,13.")
    ] = None,
    thread: Annotated[
        str | None, typer.Option("--thread", help="agent: continue this conversation thread.")
    ] = None,
    question_first: Annotated[
        bool, typer.Option("--question-first", help="Put the question before the context.")
    ] = False,
    policy: Annotated[
        str | None,
        typer.Option(
            "--policy",
            help="agent: guided (retrieval first, guards, arithmetic in code) | free "
            "(default: DOCNAV_AGENT_POLICY, auto = guided for the local model).",
        ),
    ] = None,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Answer a question with numbers and page citations, streaming each step (with --json
    the steps go to stderr and stdout is one JSON Answer, pages 1-based).

    The default LLM is the embedded CPU model (llama.cpp, extra `local`); point docnav at a
    vLLM or other OpenAI-compatible server with DOCNAV_LLM_BACKEND=openai and
    DOCNAV_LLM_BASE_URL=http://host:8000/v1. Exit code 69 when the LLM backend is down,
    times out or refuses (there is no answer then), 1 for other errors."""
    from docnav.agent.llm.base import LLMError
    from docnav.render import print_answer, print_step
    from docnav.retrieval.index import SearchFilters

    modes = ("agent", "rag", "long-context", "oracle", "closed-book")
    if mode not in modes:
        fail(DocnavError(f"unknown mode {mode!r}; choose one of {', '.join(modes)}"))
    if policy not in (None, "guided", "free"):
        fail(DocnavError(f"unknown agent policy {policy!r}; choose guided or free"))
    try:
        page_list = [int(p) for p in pages.split(",")] if pages else None
    except ValueError:
        fail(DocnavError(f"--pages takes 1-based page numbers separated by commas, not {pages!r}"))
    filters = None
    if company or form or year:
        filters = SearchFilters(company=company, form=form, year_min=year, year_max=year)
    eng = open_engine(home)
    # with --json, stdout is the one Answer document: progress goes to stderr, a line a step,
    # so a script sees the run advance (an agent run takes minutes on a CPU)
    shown = err if json_out else console
    on_step = lambda s: print_step(shown, s)  # noqa: E731
    try:
        shown.print(f"[dim]loading {eng.settings.llm.backend} model ...[/dim]")
        _ = eng.chat_model
        ans = eng.ask(
            question,
            mode=mode,  # type: ignore[arg-type]
            doc=doc,
            filters=filters,
            pages=page_list,
            thread_id=thread,
            question_first=question_first,
            on_step=on_step,
            policy=policy,  # type: ignore[arg-type]
        )
    except LLMUnavailableError as e:
        fail_llm(e)
    except (DocnavError, LLMError) as e:
        fail(e)
    if json_out:
        sys.stdout.write(ans.model_dump_json(indent=2) + "\n")
    else:
        print_answer(console, ans)


@app.command()
def demo(
    home: HomeOpt = None,
    questions: Annotated[
        str,
        typer.Option(
            help="How many planted questions (picked round-robin over the failure modes), or a "
            "question file (docnav JSONL or FinanceBench) to ask instead.",
        ),
    ] = "2",
    modes: Annotated[str, typer.Option(help="Comma-separated: rag, agent.")] = "rag,agent",
    corpus: Annotated[
        Path | None,
        typer.Option(
            help="Your own filings (file or folder) instead of the synthetic corpus; "
            "needs --questions FILE."
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            help="LLM model: qwen2.5-coder-1.5b (default), qwen2.5-coder-0.5b, a .gguf "
            "path, or the server's model name with DOCNAV_LLM_BACKEND=openai."
        ),
    ] = None,
    fast: Annotated[
        bool, typer.Option("--fast", help="The 0.5B embedded model: faster, less often right.")
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option("--limit", "-n", help="With a question file: ask the first N picked."),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """The main job in one command: build (or reuse) a small synthetic SEC corpus with planted
    RAG failure cases, ingest it, answer a few of its questions in rag and agent mode with the
    embedded CPU model, and show side by side the answers, citations (whose quote was found on a
    page read), steps, tokens, time and which were right (numeric checker vs the gold answer)."""
    from docnav.demo import FAST_MODEL, DemoOptions, print_demo, run_demo
    from docnav.render import print_step

    if fast and model:
        fail(DocnavError("--fast picks the 0.5B model; give --fast or --model, not both"))
    qfile: Path | None = None
    n = limit or 2
    if questions.strip().isdigit():
        n = int(questions)
        if not 1 <= n <= 50:
            fail(DocnavError(f"--questions takes a count from 1 to 50 or a question file, not {n}"))
    else:
        qfile = Path(questions).expanduser()
    try:
        opts = DemoOptions(
            questions=n,
            modes=split_csv(modes) or [],
            corpus=corpus,
            questions_file=qfile,
            model=FAST_MODEL if fast else model,
        )
    except ValueError as exc:  # pydantic's ValidationError: --questions out of range
        fail(DocnavError(f"bad demo options: {exc}"))
    settings = settings_for(home)
    show = None if json_out else err
    on_step = None if json_out else (lambda _q, _m, s: print_step(err, s))
    try:
        res = run_demo(settings, opts, console=show, on_step=on_step)
    except DocnavError as exc:
        fail(exc)
    except KeyboardInterrupt:
        err.print("stopped")
        raise typer.Exit(130) from None
    if json_out:
        print(res.model_dump_json(indent=2))
    else:
        print_demo(console, res)
