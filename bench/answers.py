"""`docnav bench answers`: run answer modes over a question set, resumably, and grade them.

One run = a question set × mode variants × one answering model (+ retriever settings and a
judge), written to ``<out>/answers.jsonl``: one line per (question, variant) holding the full
``Answer`` (answer, citations, trace steps with tool arguments, pages read, tokens, timings)
and its grade. Lines are appended and fsync'ed one at a time, so a killed run loses at most the
question in flight; a rerun reads the file, skips what is done and appends the rest (a line
cut off by the kill is ignored). ``<out>/run.json`` pins the configuration: a rerun with
another model or retriever into the same folder is refused rather than mixed.

Variants map onto the paper's settings (its labelled outputs are in paper_results/):

========================  ==========================================  ====================
variant                   what the model sees                         paper eval_mode
========================  ==========================================  ====================
closed-book               the question only                           closedBook
rag                       top-k chunks from all filings (shared)      sharedStore
rag-single                top-k chunks from the question's filing     singleStore
long-context              the whole filing, then the question         inContext_reverse
long-context-qfirst       the question, then the whole filing         inContext
oracle                    the gold evidence pages, then the question  oracle_reverse
oracle-qfirst             the question, then the evidence pages       oracle
agent                     tools over the whole store (free policy)    --
agent-single              tools, told which filing to use             --
agent-guided              the guided policy (docnav.agent.policy):    --
                          retrieval + outline first, guards, calc
========================  ==========================================  ====================
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel, Field

from docnav.agent.llm.base import ChatModel
from docnav.bench import FB_DOCUMENTS, FB_PAPER, FB_PDFS, FB_QUESTIONS, git_commit
from docnav.bench.checkers import Verdict
from docnav.bench.datasets import select
from docnav.bench.judge import Grader
from docnav.errors import DocnavError
from docnav.questions import Question, load_questions
from docnav.settings import Settings
from docnav.types import Answer


class Variant(NamedTuple):
    mode: str
    paper: str | None = None  # the paper's eval_mode for the same setting
    single: bool = False  # scope to the question's filing
    question_first: bool = False
    oracle_pages: bool = False
    policy: str | None = None  # agent variants: guided | free (None: the settings' policy)


VARIANTS: dict[str, Variant] = {
    "closed-book": Variant("closed-book", "closedBook"),
    "rag": Variant("rag", "sharedStore"),
    "rag-single": Variant("rag", "singleStore", single=True),
    "long-context": Variant("long-context", "inContext_reverse", single=True),
    "long-context-qfirst": Variant("long-context", "inContext", single=True, question_first=True),
    "oracle": Variant("oracle", "oracle_reverse", single=True, oracle_pages=True),
    "oracle-qfirst": Variant(
        "oracle", "oracle", single=True, question_first=True, oracle_pages=True
    ),
    # the committed agent runs are the free loop: "agent" stays that whatever the settings say
    "agent": Variant("agent", policy="free"),
    "agent-single": Variant("agent", single=True, policy="free"),
    "agent-guided": Variant("agent", policy="guided"),
}
WINDOW_VARIANTS = {"long-context", "long-context-qfirst"}  # skipped where the filing won't fit


class ModelSpec(BaseModel):
    """A chat backend: None fields fall back to the DOCNAV_LLM_* settings."""

    backend: str | None = None  # local | openai | vllm
    model: str | None = None
    base_url: str | None = None

    def settings(self, base: Settings) -> Settings:
        upd = {
            k: v
            for k, v in (
                ("llm_backend", self.backend),
                ("llm_model", self.model),
                ("llm_base_url", self.base_url),
            )
            if v is not None
        }
        return base.replace(**upd)


class RunConfig(BaseModel):
    """Everything that defines a run; from CLI flags or a YAML/JSON file (same keys)."""

    questions: Path = FB_QUESTIONS
    ids: list[str] | None = None
    company: str | None = None
    question_type: str | None = None
    failure_mode: str | None = None  # planted sets (docnav synth): one RAG failure mode
    order: str = "file"  # file | round-robin (over failure modes)
    limit: int | None = None
    modes: list[str] = Field(default_factory=lambda: ["closed-book", "rag", "agent"])
    out: Path = Path("results/answers")
    bench_home: Path = Path("~/.docnav/bench-financebench")
    pdfs: Path | None = FB_PDFS  # ingested when the store is empty
    documents: Path | None = FB_DOCUMENTS
    paper_results: Path | None = FB_PAPER
    llm: ModelSpec = Field(default_factory=ModelSpec)
    judge: str = "same"  # same (the answering model) | none | local | openai | vllm
    judge_model: str | None = None
    judge_base_url: str | None = None
    rag_k: int | None = None  # None: settings.agent.rag_k
    rag_mode: str | None = None  # bm25 | dense | hybrid | hybrid+rerank
    # guided-policy pieces switched off, for ablations: first,facts,repeat,notfound,tools,plan,calc
    guided_off: str | None = None
    timeout_s: float = 900.0
    concurrency: int = 1
    retry_timeouts: bool = False
    tolerance: float | None = None  # None: settings.bench.numeric_tolerance
    command: str = "docnav bench answers"

    def identity(self) -> dict[str, Any]:
        """What must not change between a run and its resumption."""
        return {
            "llm": self.llm.model_dump(),
            "judge": [self.judge, self.judge_model, self.judge_base_url],
            "rag_k": self.rag_k,
            "rag_mode": self.rag_mode,
            "questions": str(self.questions),
            # only when set, so runs pinned before the setting existed still resume
            **({"guided_off": self.guided_off} if self.guided_off else {}),
        }


def load_config(path: Path) -> dict[str, Any]:
    """A run config file: YAML (.yaml/.yml, PyYAML is installed with the project) or JSON."""
    if not path.is_file():
        raise DocnavError(f"config file not found: {path}")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except Exception as e:  # yaml.YAMLError / JSONDecodeError: one clear line either way
        raise DocnavError(f"{path}: cannot parse ({str(e).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise DocnavError(f"{path}: expected a mapping of run settings")
    return data


# -- the results file ------------------------------------------------------------------------


def row_key(row: dict) -> tuple[str, str]:
    return row["id"], row["variant"]


def read_rows(path: Path, key: Callable[[dict], tuple] = row_key) -> tuple[list[dict], int]:
    """Rows of a results file, the last line per ``key`` (default: id, variant) winning; and
    the number of unreadable lines (a line cut off when a run was killed)."""
    if not path.is_file():
        return [], 0
    rows: dict[tuple, dict] = {}
    bad = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            rows[key(row)] = row
        except (json.JSONDecodeError, KeyError, TypeError):
            bad += 1
    return list(rows.values()), bad


class RowWriter:
    """Appends one JSON line per result, flushed and fsync'ed, from any thread."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_file() and path.stat().st_size:
            with path.open("rb") as fh:
                fh.seek(-1, os.SEEK_END)
                torn = fh.read(1) != b"\n"
            if torn:  # a line cut off by a kill: start ours on a fresh line
                with path.open("a", encoding="utf-8") as fh:
                    fh.write("\n")
        self._fh = path.open("a", encoding="utf-8")
        self._lock = threading.Lock()

    def write(self, row: dict) -> None:
        line = json.dumps(row, ensure_ascii=False) + "\n"
        with self._lock:
            self._fh.write(line)
            self._fh.flush()
            os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()


# -- one question ------------------------------------------------------------------------------


class Job(NamedTuple):
    q: Question
    variant: str


def _ask_kwargs(q: Question, v: Variant) -> dict[str, Any]:
    kw: dict[str, Any] = {"question_first": v.question_first}
    if v.policy:
        kw["policy"] = v.policy
    if v.single:
        if not q.doc_name:
            raise DocnavError(f"variant needs the question's filing and {q.id} names none")
        kw["doc"] = q.doc_name
    if v.oracle_pages:
        pages = sorted({e.page for e in q.evidence if e.doc_name == q.doc_name})
        if not pages:
            raise DocnavError(f"oracle needs evidence pages and {q.id} has none")
        kw["pages"] = pages
    return kw


def _fits_window(engine: Any, q: Question) -> tuple[bool, str]:
    """Whether the question's whole filing fits the model's window (long-context runs only
    where it does; the arithmetic is the modes', docnav.agent.modes.fits_window)."""
    from docnav.agent.modes import fits_window

    d = engine.document(q.doc_name)
    return fits_window(engine.store, d, engine.chat_model, engine.settings.llm.max_new_tokens)


class Runner:
    """Answers and grades jobs against one engine; ``ask_timeout`` per question."""

    def __init__(self, engine: Any, grader: Grader, timeout_s: float, doc_names: dict[str, str]):
        self.engine = engine
        self.grader = grader
        self.timeout_s = timeout_s
        self.doc_names = doc_names  # doc_id -> name, to compare reads with gold pages
        self.cancels: set[threading.Event] = set()

    def run(self, job: Job) -> dict:
        q, name = job
        v = VARIANTS[name]
        row: dict[str, Any] = {
            "id": q.id,
            "variant": name,
            "mode": v.mode,
            "question": q.question,
            "gold": q.answer,
            "gold_value": q.answer_value,
            "gold_unit": q.answer_unit,
            "company": q.company,
            "doc_name": q.doc_name,
            "question_type": q.question_type,
            "question_reasoning": q.question_reasoning,
            "failure_mode": q.failure_mode,
            "evidence": sorted([e.doc_name, e.page] for e in q.evidence),
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        t0 = time.monotonic()
        try:
            kw = _ask_kwargs(q, v)
            if name in WINDOW_VARIANTS:
                fits, why = _fits_window(self.engine, q)
                if not fits:
                    row.update(status="skipped", error=f"does not fit the window ({why})")
                    return row
            ans, status = self._ask(q.question, v.mode, kw)
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as e:  # one bad question must not end a long run; it is retried
            row.update(status="error", error=f"{type(e).__name__}: {e}"[:500])
            row["wall_s"] = round(time.monotonic() - t0, 3)
            return row
        row["wall_s"] = round(time.monotonic() - t0, 3)
        if status == "timeout":
            row.update(status="timeout", error=f"no answer within {self.timeout_s:g}s")
            if ans is None:
                return row
        else:
            row["status"] = "ok"
        row["answer"] = ans.model_dump(mode="json")
        row["pages_read"] = sorted(
            [self.doc_names.get(d, d), p] for d, p in {tuple(x) for x in ans.trace.pages_read}
        )
        verdict = self._grade(q, ans)
        row["verdict"] = verdict.model_dump()
        return row

    def _ask(self, question: str, mode: str, kw: dict) -> tuple[Answer | None, str]:
        """engine.ask in a thread, cancelled at the timeout (the agent stops at its next step;
        a single call in flight finishes and is discarded)."""
        cancel = threading.Event()
        box: dict[str, Any] = {}

        def work() -> None:
            try:
                box["answer"] = self.engine.ask(question, mode=mode, cancel=cancel, **kw)
            except BaseException as e:  # noqa: BLE001 -- re-raised in the caller's thread
                box["error"] = e

        t = threading.Thread(target=work, daemon=True, name="bench-ask")
        self.cancels.add(cancel)
        try:
            t.start()
            t.join(self.timeout_s)
            if t.is_alive():
                cancel.set()
                t.join(min(60.0, self.timeout_s))
                return box.get("answer"), "timeout"
        finally:
            self.cancels.discard(cancel)
        if "error" in box:
            raise box["error"]
        return box["answer"], "ok"

    def _grade(self, q: Question, ans: Answer) -> Verdict:
        try:
            return self.grader.grade(
                q.question,
                q.answer,
                ans.answer,
                not_found=ans.not_found,
                number=ans.number.value if ans.number else None,
                number_unit=ans.number.unit if ans.number else None,
                gold_value=q.answer_value,
                gold_unit=q.answer_unit,
            )
        except Exception as e:  # a judge failure leaves the answer kept and ungraded
            return Verdict(outcome="error", checker="judge", detail=f"{type(e).__name__}: {e}")

    def cancel_all(self) -> None:
        for c in list(self.cancels):
            c.set()


# -- the run -----------------------------------------------------------------------------------


def plan(cfg: RunConfig) -> list[Job]:
    unknown = [m for m in cfg.modes if m not in VARIANTS]
    if unknown:
        raise DocnavError(
            f"unknown mode(s) {', '.join(unknown)}; choose from {', '.join(VARIANTS)}"
        )
    qs = select(
        load_questions(cfg.questions),
        cfg.ids,
        cfg.company,
        cfg.question_type,
        cfg.limit,
        failure_mode=cfg.failure_mode,
        order=cfg.order,
    )
    if not qs:
        raise DocnavError(
            "no questions selected (check --ids/--company/--question-type/--failure-mode)"
        )
    # question-major order: a stopped run has every mode on its first questions
    return [Job(q, m) for q in qs for m in cfg.modes]


def _pin_config(cfg: RunConfig, out: Path) -> None:
    f = out / "run.json"
    ident = cfg.identity()
    prev = json.loads(f.read_text()) if f.is_file() else {}
    old = prev.get("identity")
    if old and old != ident:
        diff = [k for k in ident if ident[k] != old.get(k)]
        raise DocnavError(
            f"{out} holds a run with another configuration ({', '.join(diff)} differ); "
            "use a new --out folder"
        )
    # every start or resume is kept: a run built over several sessions, with other modes or
    # limits each time, is reproduced by the whole list, not by its last command
    runs = list(prev.get("runs") or [])
    if prev and not runs and prev.get("config"):  # run.json written before the list existed
        runs.append(
            {
                "command": prev["config"].get("command", ""),
                "commit": prev.get("commit"),
                "modes": prev["config"].get("modes", []),
            }
        )
    commit = git_commit()
    runs.append(
        {
            "command": cfg.command,
            "commit": commit,
            "modes": cfg.modes,
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    out.mkdir(parents=True, exist_ok=True)
    f.write_text(
        json.dumps(
            {
                "identity": ident,
                "config": json.loads(cfg.model_dump_json()),
                "config_hash": hashlib.sha1(json.dumps(ident, sort_keys=True).encode()).hexdigest()[
                    :12
                ],
                "commit": commit,
                "runs": runs,
            },
            indent=2,
        )
    )


def make_engine(cfg: RunConfig, console: Any = None) -> Any:
    """An engine on the bench home, ingesting the PDFs first when the store is empty."""
    from docnav.engine import Engine

    # a bench run is where settings enter: the environment's, on the bench home
    base = Settings(home=cfg.bench_home.expanduser())
    s = cfg.llm.settings(base)
    upd: dict[str, Any] = {}
    if cfg.rag_k is not None:
        upd["rag_k"] = cfg.rag_k
    if cfg.rag_mode is not None:
        upd["rag_mode"] = cfg.rag_mode
    if cfg.guided_off is not None:
        from docnav.agent.policy import GuidedConfig

        GuidedConfig.from_off(cfg.guided_off)  # a misspelt piece fails now, not per question
        upd["agent_guided_off"] = cfg.guided_off
    engine = Engine(s.replace(**upd))
    if not engine.documents():
        if not cfg.pdfs or not cfg.pdfs.is_dir():
            raise DocnavError(
                f"the bench store {engine.store.root} is empty and --pdfs is not a folder"
            )
        if console:
            console.print(f"ingesting {cfg.pdfs} into {engine.store.root} (first run only)")
        sidecar = cfg.documents if cfg.documents and cfg.documents.is_file() else None
        rep = engine.ingest([cfg.pdfs], sidecar=sidecar)
        if rep.failed:
            raise DocnavError(f"{len(rep.failed)} filings failed to ingest")
    return engine


def make_judge(cfg: RunConfig, engine: Any) -> ChatModel | None:
    if cfg.judge == "none":
        return None
    if cfg.judge == "same":
        return engine.chat_model
    from docnav.agent.llm import make_chat_model

    spec = ModelSpec(backend=cfg.judge, model=cfg.judge_model, base_url=cfg.judge_base_url)
    return make_chat_model(spec.settings(engine.settings))


def run_answers(
    cfg: RunConfig,
    engine: Any = None,
    judge: ChatModel | None | str = "config",
    console: Any = None,
    on_row: Callable[[dict], None] | None = None,
) -> Path:
    """Run (or resume) ``cfg``; returns the results file. ``engine``/``judge`` may be given
    (tests); otherwise they are built from the config."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = console or Console()
    jobs = plan(cfg)
    out = cfg.out
    _pin_config(cfg, out)
    path = out / "answers.jsonl"
    rows, bad = read_rows(path)
    if bad:
        console.print(f"[yellow]{bad} unreadable line(s) in {path} ignored (a killed run)[/]")
    done_status = {"ok", "skipped"} | ({"timeout"} if not cfg.retry_timeouts else set())
    done = {row_key(r) for r in rows if r.get("status") in done_status}
    todo = [j for j in jobs if (j.q.id, j.variant) not in done]
    console.print(
        f"{len(jobs)} (question, mode) pairs: {len(jobs) - len(todo)} done, {len(todo)} to run"
    )
    if not todo:
        return path
    engine = engine or make_engine(cfg, console)
    s = engine.settings
    judge_model = make_judge(cfg, engine) if judge == "config" else judge
    grader = Grader(
        judge_model,  # type: ignore[arg-type]
        tol=cfg.tolerance if cfg.tolerance is not None else s.bench.numeric_tolerance,
        loose_tol=s.bench.numeric_loose_tolerance,
    )
    names = {d.doc_id: d.name for d in engine.documents()}
    missing = sorted({j.q.doc_name for j in todo if j.q.doc_name} - set(names.values()))
    if missing:
        console.print(f"[yellow]filings not in the store: {', '.join(missing[:8])}[/]")
    workers = max(1, cfg.concurrency)
    if workers > 1 and s.llm.backend.strip().lower() != "openai":
        console.print(f"[yellow]--concurrency {workers} needs an HTTP backend; running 1[/]")
        workers = 1
    runner = Runner(engine, grader, cfg.timeout_s, names)
    writer = RowWriter(path)
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=console,
    )
    tally: dict[str, int] = {}

    def finish(row: dict) -> None:
        writer.write(row)
        o = (row.get("verdict") or {}).get("outcome") or row["status"]
        tally[o] = tally.get(o, 0) + 1
        progress.update(
            task, advance=1, description=" ".join(f"{k}:{v}" for k, v in sorted(tally.items()))
        )
        if on_row:
            on_row(row)

    try:
        with progress:
            task = progress.add_task("answering", total=len(todo))
            if workers == 1:
                for job in todo:
                    finish(runner.run(job))
            else:
                with ThreadPoolExecutor(workers, thread_name_prefix="bench") as pool:
                    pending: set[Future] = set()
                    it = iter(todo)
                    for job in it:
                        pending.add(pool.submit(runner.run, job))
                        if len(pending) >= workers:
                            fin, pending = wait(pending, return_when=FIRST_COMPLETED)
                            for f in fin:
                                finish(f.result())
                    for f in pending:
                        finish(f.result())
    except BaseException:
        runner.cancel_all()
        raise
    finally:
        writer.close()
    return path


def regrade(
    out: Path,
    grader: Grader,
    rejudge: bool = False,
    console: Any = None,
) -> dict[str, int]:
    """Grade a run's answers again without answering anything: the numeric verifier and the
    refusal detector on every row (cheap, so a checker fix applies to old runs), the judge only
    where no judge verdict exists yet (``rejudge`` redoes those too). The file is rewritten
    whole (to a temporary file, then renamed), one line per (question, variant)."""
    path = out / "answers.jsonl"
    rows, _ = read_rows(path)
    if not rows:
        raise DocnavError(f"no results in {path}")
    counts: dict[str, int] = {"rows": len(rows), "changed": 0, "judged": 0}
    for r in rows:
        ans = r.get("answer")
        if not ans:
            continue
        old = r.get("verdict") or {}
        keep_judge = (
            not rejudge
            and old.get("checker") == "judge"
            and old.get("outcome") in ("correct", "incorrect", "partial")
        )
        judge = grader.judge
        if keep_judge:
            grader.judge = None  # the stored judge verdict stands unless another checker decides
        try:
            num = ans.get("number") or {}
            v = grader.grade(
                r["question"],
                r["gold"],
                ans.get("answer", ""),
                not_found=bool(ans.get("not_found")),
                number=num.get("value"),
                number_unit=num.get("unit"),
                gold_value=r.get("gold_value"),
                gold_unit=r.get("gold_unit"),
            )
        finally:
            grader.judge = judge
        if keep_judge and v.checker == "none":
            continue
        counts["judged"] += v.checker == "judge"
        if v.model_dump() != old:
            counts["changed"] += 1
            r["verdict"] = v.model_dump()
        if console:
            console.print(f"{r['id']} {r['variant']}: {v.outcome} ({v.checker})")
    tmp = path.with_suffix(".jsonl.tmp")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    os.replace(tmp, path)
    return counts
