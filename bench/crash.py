"""`docnav bench crash`: kill -9 ingestion and index rebuilds at many points and check that
the store and the indexes never show half of anything, and that a rerun repairs everything.

Three scenarios, each a real ``docnav`` CLI command in a subprocess on real files:

- ``ingest``: ``docnav ingest FILES -j 1`` into an empty home;
- ``reingest``: ``docnav ingest FILES -j 1 --force`` over a complete store (every document is
  rewritten: a new version folder, the catalog switch, then the old folder's deletion);
- ``rebuild``: ``docnav index rebuild --full`` over a complete store and index (BM25, then
  every document embedded again).

A first uninterrupted run of each records its trace of store/index writes and SQL statements
(bench/crash_child.py) and its result, the reference. Then each kill point runs the command
on a fresh copy of the starting home and SIGKILLs it, either just before event N of the trace
(exact points: before / after a version folder's rename, inside the catalog transaction, at
COMMIT, just after it, before an old version's deletion, between BM25's removal and its
replacement, between an embeddings file's write and its rename) or after a delay spread over
the reference run's wall time (lands wherever the CPU happens to be: parsing, page writes,
embedding). After each kill :func:`check_home` looks at what a reader would see; then the
command is run again, uninterrupted, and the result must equal the reference.

This covers process crashes (SIGKILL: written data is in the page cache), not power loss
(nothing here calls fsync).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

CHILD = [sys.executable, "-m", "docnav.bench.crash_child"]
SEARCH_PROBES = ("revenue", "net income", "total assets")


# -- the command under test ----------------------------------------------------------------
class Run(BaseModel):
    rc: int | None  # None: still running when the harness gave up
    seconds: float
    events: int  # events the run reached (its trace's length)
    last_event: str | None
    first_event_s: float | None = None  # seconds from the start to its first traced write
    killed: bool  # SIGKILLed by the harness (the return code says -9)
    survivors: int = 0  # processes of its group alive after it died (orphaned workers)
    stderr_tail: str = ""


def _env(home: Path, kill_at: int, trace: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCNAV_CRASH_")}
    env.update(
        DOCNAV_HOME=str(home),
        DOCNAV_CRASH_TRACE=str(trace),
        DOCNAV_CRASH_KILL_AT=str(kill_at),
        DOCNAV_LOG_JSON="false",
        PYTHONUNBUFFERED="1",
    )
    return env


def run_cli(
    args: list[str],
    home: Path,
    trace: Path,
    kill_at: int = 0,
    kill_after_s: float | None = None,
    timeout_s: float = 900.0,
) -> Run:
    """One ``docnav`` command under the crash hooks, in its own process group."""
    trace.unlink(missing_ok=True)
    t0, wall0 = time.perf_counter(), time.time()
    proc = subprocess.Popen(
        CHILD + args,
        env=_env(home, kill_at, trace),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    killed = False
    try:
        _, err = proc.communicate(timeout=kill_after_s if kill_after_s is not None else timeout_s)
    except subprocess.TimeoutExpired:
        killed = kill_after_s is not None
        os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate()
    secs = time.perf_counter() - t0
    survivors = _reap_group(proc.pid)
    events = read_trace_times(trace)
    return Run(
        rc=proc.returncode,
        seconds=round(secs, 2),
        events=len(events),
        last_event=events[-1][1] if events else None,
        first_event_s=round(events[0][0] - wall0, 2) if events else None,
        killed=killed or proc.returncode == -signal.SIGKILL,
        survivors=survivors,
        stderr_tail=err.decode("utf-8", "replace")[-600:],
    )


def _reap_group(pgid: int) -> int:
    """Kill what is left of the command's process group; how many were left."""
    import psutil

    left = []
    for p in psutil.process_iter(["pid"]):
        try:
            if os.getpgid(p.pid) == pgid:
                left.append(p)
        except (ProcessLookupError, psutil.Error, OSError):
            continue
    for p in left:
        try:
            p.kill()
        except psutil.Error:
            pass
    return len(left)


def read_trace_times(trace: Path) -> list[tuple[float, str]]:
    """(unix time, label) per event of a crash_child trace."""
    if not trace.exists():
        return []
    out = []
    for line in trace.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("\t", 2)
        if len(parts) == 3:  # a line cut by the kill has fewer
            out.append((float(parts[1]), parts[2]))
    return out


def read_trace(trace: Path) -> list[str]:
    return [label for _, label in read_trace_times(trace)]


# -- what a reader sees ----------------------------------------------------------------------
class Check(BaseModel):
    documents: int = 0
    chunks: int = 0
    problems: list[str] = Field(default_factory=list)  # anything half-visible or inconsistent
    leftovers: list[str] = Field(default_factory=list)  # unreferenced folders/files: harmless
    bm25: str | None = None  # index status: ok / stale / missing (corrupt is a problem)
    dense_embedded: int | None = None
    dense_missing: int | None = None
    searched: bool = False


def check_home(home: Path, search: bool = True) -> Check:
    """Everything the catalog points to is complete and agrees with it; the index status is
    readable and never 'corrupt'; a BM25 search returns only chunks the store has."""
    from docnav.types import Chunk, Document, Section

    ck = Check()
    store = home / "store"
    db_path = store / "catalog.sqlite"
    if not db_path.exists():
        return ck
    chunk_ids: set[str] = set()
    db = sqlite3.connect(db_path, timeout=30)
    db.row_factory = sqlite3.Row
    try:
        ok = db.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            ck.problems.append(f"catalog integrity_check: {ok}")
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "documents" not in tables:
            return ck
        rows = db.execute("SELECT * FROM documents ORDER BY doc_id").fetchall()
        n_sec: dict[str, int] = {}
        if "sections" in tables:  # a kill inside the first schema script can leave it out
            n_sec = dict(db.execute("SELECT doc_id, count(*) FROM sections GROUP BY doc_id"))
        elif rows:
            ck.problems.append("documents without a sections table")
    finally:
        db.close()
    live = set()
    for row in rows:
        doc_id, d = row["doc_id"], store / "docs" / row["dir"]
        live.add(row["dir"])
        ck.documents += 1
        bad = ck.problems.append
        try:
            rec = Document.model_validate_json(row["record"])
            meta = Document.model_validate_json((d / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            bad(f"{doc_id}: catalog points to {row['dir']} but its meta.json is unreadable ({exc})")
            continue
        for field in ("doc_id", "content_hash", "n_pages", "n_chunks", "n_sections"):
            if getattr(meta, field) != getattr(rec, field):
                bad(
                    f"{doc_id}: meta.json {field}={getattr(meta, field)!r}, catalog {getattr(rec, field)!r}"
                )
        if row["content_hash"] != rec.content_hash or row["n_pages"] != rec.n_pages:
            bad(f"{doc_id}: catalog columns disagree with its record")
        pages = sorted(p.name for p in (d / "pages").glob("*")) if (d / "pages").is_dir() else []
        want = [f"page-{i:04d}.txt" for i in range(rec.n_pages)]
        if pages != want:
            bad(f"{doc_id}: {len(pages)} page files for n_pages={rec.n_pages}")
        try:
            secs = [
                Section.model_validate(s) for s in json.loads((d / "sections.json").read_text())
            ]
            with (d / "chunks.jsonl").open(encoding="utf-8") as fh:
                chunks = [Chunk.model_validate_json(x) for x in fh if x.strip()]
        except (OSError, ValueError) as exc:
            bad(f"{doc_id}: sections/chunks unreadable ({exc})")
            continue
        if len(secs) != rec.n_sections or n_sec.get(doc_id, 0) != rec.n_sections:
            bad(
                f"{doc_id}: {len(secs)} sections in sections.json, {n_sec.get(doc_id, 0)} rows, n_sections={rec.n_sections}"
            )
        if len(chunks) != rec.n_chunks:
            bad(f"{doc_id}: {len(chunks)} chunks on disk for n_chunks={rec.n_chunks}")
        for c in chunks:
            if c.doc_id != doc_id or not 0 <= c.page_start <= c.page_end < rec.n_pages:
                bad(f"{doc_id}: chunk {c.id} belongs to {c.doc_id} or has pages out of range")
                break
        ids = {c.id for c in chunks}
        if len(ids) != len(chunks):
            bad(f"{doc_id}: duplicate chunk ids")
        chunk_ids |= ids
        ck.chunks += len(chunks)
    orphans = set(n_sec) - {r["doc_id"] for r in rows}
    if orphans:
        ck.problems.append(f"section rows of no document: {sorted(orphans)}")
    docs_dir = store / "docs"
    if docs_dir.is_dir():
        ck.leftovers += sorted(f"docs/{p.name}" for p in docs_dir.iterdir() if p.name not in live)
    _check_index(home, ck, chunk_ids, search)
    return ck


def _check_index(home: Path, ck: Check, chunk_ids: set[str], search: bool) -> None:
    from docnav.ingestion.store import CorpusStore
    from docnav.retrieval.index import CorpusIndex
    from docnav.settings import Settings

    settings = Settings(home=home)
    # what `docnav index status` reports (Engine.index_status is CorpusIndex.status)
    index = CorpusIndex(CorpusStore(home / "store"), home / "indexes", settings.retrieval)
    try:
        st = index.status()
    except Exception as exc:  # a status that cannot even be read is the worst kind of half-state
        ck.problems.append(f"index status raised {type(exc).__name__}: {exc}")
        return
    ck.bm25, ck.dense_embedded, ck.dense_missing = st.bm25, st.dense_embedded, st.dense_missing
    if st.documents != ck.documents or st.chunks != ck.chunks:
        ck.problems.append(
            f"index status sees {st.documents} docs/{st.chunks} chunks, catalog {ck.documents}/{ck.chunks}"
        )
    if st.bm25 == "corrupt":
        ck.problems.append("bm25 index is stamped current but unreadable or misaligned")
    if st.dense_corrupt:
        ck.problems.append(f"unreadable embeddings of live documents: {st.dense_corrupt}")
    folder = home / "indexes"
    for p in sorted(folder.glob("*.tmp")) + sorted(folder.glob("dense-*/*.tmp.npy")):
        ck.leftovers.append(str(p.relative_to(home)))
    if search and ck.documents:
        try:
            index.ensure(dense=False)  # a reader's first search: loads or rebuilds BM25
            for q in SEARCH_PROBES:
                for h in index.search(q, mode="bm25", k=5).hits:
                    if h.chunk_id not in chunk_ids:
                        ck.problems.append(
                            f"search for {q!r} returned {h.chunk_id}, not in the store"
                        )
            ck.searched = True
        except Exception as exc:
            ck.problems.append(f"bm25 search failed: {type(exc).__name__}: {exc}")


def catalog_digest(home: Path) -> dict[str, str]:
    """doc_id -> a hash of everything a reader gets for it (record without ingested_at,
    sections rows, pages, chunks); version folder names are left out (a forced rewrite
    gets a random suffix)."""
    store = home / "store"
    db = sqlite3.connect(store / "catalog.sqlite")
    try:
        rows = db.execute("SELECT doc_id, dir, record FROM documents ORDER BY doc_id").fetchall()
        out = {}
        for doc_id, dirname, record in rows:
            rec = json.loads(record)
            rec.pop("ingested_at", None)
            h = hashlib.sha256(json.dumps(rec, sort_keys=True).encode())
            secs = db.execute(
                "SELECT * FROM sections WHERE doc_id=? ORDER BY ordinal", (doc_id,)
            ).fetchall()
            h.update(json.dumps(secs).encode())
            d = store / "docs" / dirname
            for p in sorted((d / "pages").glob("*.txt")) + [
                d / "chunks.jsonl",
                d / "sections.json",
            ]:
                h.update(p.name.encode() + p.read_bytes())
            out[doc_id] = h.hexdigest()[:16]
    finally:
        db.close()
    return out


def index_snapshot(home: Path) -> dict[str, Any]:
    """What `index rebuild` produces, in a form two builds can be compared in: BM25 as a
    hash of term -> (rows, weights) (bm25s numbers its vocabulary in set order, which
    changes with Python's hash seed, so the files differ between identical builds) and
    the embedding matrices by file."""
    import numpy as np

    folder = home / "indexes"
    snap: dict[str, Any] = {"bm25": None, "dense": {}}
    b = folder / "bm25"
    if (b / "vocab.index.json").exists():
        vocab = json.loads((b / "vocab.index.json").read_text())
        data, indices, indptr = (
            np.load(b / f"{n}.csc.index.npy") for n in ("data", "indices", "indptr")
        )
        h = hashlib.sha256()
        for term, j in sorted(vocab.items()):
            if j + 1 >= len(indptr):  # bm25s' empty-token entry has no column
                h.update(term.encode())
                continue
            lo, hi = int(indptr[j]), int(indptr[j + 1])
            order = np.argsort(indices[lo:hi], kind="stable")
            h.update(
                term.encode()
                + indices[lo:hi][order].tobytes()
                + np.round(data[lo:hi][order], 4).tobytes()
            )
        snap["bm25"] = h.hexdigest()[:16]
    for p in sorted(folder.glob("dense-*/*.npy")):
        if not p.name.endswith(".tmp.npy"):
            snap["dense"][f"{p.parent.name}/{p.name}"] = np.load(p)
    return snap


def same_index_as(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Same BM25 postings; same embedding files with equal shapes and values up to float16
    rounding (a document embedded in another batch can differ in the last bits)."""
    import numpy as np

    if a["bm25"] != b["bm25"] or set(a["dense"]) != set(b["dense"]):
        return False
    return all(
        a["dense"][k].shape == b["dense"][k].shape
        and np.allclose(
            a["dense"][k].astype(np.float32), b["dense"][k].astype(np.float32), atol=5e-3
        )
        for k in a["dense"]
    )


# -- kill plans ------------------------------------------------------------------------------
class KillPoint(BaseModel):
    kind: str  # "event" (just before event `at`) | "time" (`at` seconds after the start)
    at: float
    why: str


def event_points(labels: list[str]) -> list[KillPoint]:
    """The exact points worth a kill in a trace, in order, each with what it tests."""
    pts: list[tuple[int, str]] = []
    n = len(labels)
    for i, lab in enumerate(labels, 1):
        if lab.startswith("rename store/docs/.tmp-"):
            pts += [
                (i, "version folder written, before its rename into place"),
                (i + 1, "version folder renamed in, catalog not yet switched"),
            ]
        elif lab.startswith("sql INSERT INTO documents"):
            pts += [
                (i, "inside the catalog transaction (old rows deleted, new not yet in)"),
                (i + 1, "inside the catalog transaction (document row in, sections not)"),
            ]
            c = next(
                (j for j in range(i + 1, n + 1) if labels[j - 1].startswith("sql COMMIT")), None
            )
            if c is not None:
                pts += [(c, "at the catalog COMMIT"), (c + 1, "just after the catalog COMMIT")]
        elif lab.startswith("rmtree store/docs/"):
            pts.append((i, "catalog switched, old version folder not yet deleted"))
        elif lab.startswith("rmtree indexes/bm25") and not lab.startswith(
            "rmtree indexes/bm25.tmp"
        ):
            pts.append((i, "before the old BM25 folder is removed"))
        elif lab.startswith("rename indexes/bm25.tmp"):
            pts.append((i, "old BM25 removed, new one not yet renamed in"))
        elif lab.startswith("rmtree indexes/dense-"):
            pts.append((i, "before the embeddings folder is dropped (--full)"))
        elif lab.startswith("rename indexes/dense-"):
            pts += [
                (i, "embeddings file written, before its rename"),
                (i + 1, "just after an embeddings file's rename"),
            ]
    best: dict[int, str] = {}
    for i, why in pts:  # one reason per event: the later, more specific one (an old
        if 1 <= i <= n:  # version's deletion right after COMMIT is named as such)
            best[i] = why
    return [KillPoint(kind="event", at=i, why=why) for i, why in sorted(best.items())]


# the reasons a small budget covers first: the catalog switch and what surrounds it
PRIORITY = (
    "catalog switched, old version folder not yet deleted",
    "old BM25 removed, new one not yet renamed in",
    "at the catalog COMMIT",
    "just after the catalog COMMIT",
    "version folder renamed in, catalog not yet switched",
    "embeddings file written, before its rename",
    "inside the catalog transaction (document row in, sections not)",
)


def pick(points: list[KillPoint], budget: int) -> list[KillPoint]:
    """At most ``budget`` points: each distinct reason once (PRIORITY first; the i-th reason
    at its i-th occurrence, so the kills fall on different documents), then the rest spread
    evenly over the run."""
    by_why: dict[str, list[KillPoint]] = {}
    for p in points:
        by_why.setdefault(p.why, []).append(p)
    order = sorted(by_why, key=lambda w: PRIORITY.index(w) if w in PRIORITY else len(PRIORITY))
    chosen = [by_why[w][i % len(by_why[w])] for i, w in enumerate(order)][:budget]
    rest = [p for p in points if p not in chosen]
    k = budget - len(chosen)
    if k > 0 and rest:
        step = len(rest) / k
        chosen += [rest[int(j * step)] for j in range(min(k, len(rest)))]
    return sorted(chosen, key=lambda p: p.at)


def timed_points(start_s: float, end_s: float, k: int) -> list[KillPoint]:
    """``k`` delays spread evenly over [start_s, end_s] of the reference run (its first write
    to its end), ends excluded."""
    span = max(end_s - start_s, 0.1)
    fr = [(j + 1) / (k + 1) for j in range(k)]
    return [
        KillPoint(
            kind="time",
            at=round(start_s + span * f, 2),
            why=f"{f:.0%} into the writing part of the run",
        )
        for f in fr
    ]


# -- scenarios -----------------------------------------------------------------------------------
class Scenario(BaseModel):
    name: str
    args: list[str]  # the docnav command that gets killed
    rerun: list[str]  # what an operator runs after the crash (must complete)
    base: str | None  # home to start from (copied for each run); None: empty


def scenarios(files: list[Path], base_home: Path, rebuild_full: bool = True) -> list[Scenario]:
    ingest = ["ingest", *map(str, files), "-j", "1"]
    rebuild = ["index", "rebuild"] + (["--full"] if rebuild_full else ["--bm25-only"])
    return [
        Scenario(name="ingest", args=ingest, rerun=ingest, base=None),
        Scenario(
            name="reingest",
            args=ingest + ["--force"],
            rerun=ingest + ["--force"],
            base=str(base_home),
        ),
        Scenario(
            name="rebuild",
            args=rebuild,
            rerun=rebuild[:2] + rebuild[3:] if rebuild_full else rebuild,
            base=str(base_home),
        ),
    ]


def _fresh(sc: Scenario, home: Path) -> None:
    shutil.rmtree(home, ignore_errors=True)
    if sc.base:
        shutil.copytree(sc.base, home)
    else:
        home.mkdir(parents=True)


def run_scenario(
    sc: Scenario,
    work: Path,
    event_budget: int,
    timed: int,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    home, trace = work / f"{sc.name}-home", work / f"{sc.name}.trace"
    _fresh(sc, home)
    ref_run = run_cli(sc.args, home, trace)
    if ref_run.rc != 0:
        raise RuntimeError(
            f"reference run of `docnav {' '.join(sc.args)}` failed: {ref_run.stderr_tail}"
        )
    labels = read_trace(trace)
    ref_check = check_home(home, search=False)
    reference = {
        "catalog": catalog_digest(home),
        "index": index_snapshot(home) if sc.name == "rebuild" else None,
    }
    all_events = event_points(labels)
    # timed kills are spread over the part of the run that writes (not the imports)
    plan = pick(all_events, event_budget) + timed_points(
        ref_run.first_event_s or 0.0, ref_run.seconds, timed
    )
    log(
        f"{sc.name}: reference {ref_run.seconds:.1f}s, {len(labels)} events, "
        f"{len(all_events)} exact kill points ({len(plan)} run)"
    )
    rows = []
    for kp in plan:
        _fresh(sc, home)
        if kp.kind == "event":
            run = run_cli(sc.args, home, trace, kill_at=int(kp.at))
        else:
            run = run_cli(sc.args, home, trace, kill_after_s=kp.at)
        after = check_home(home)
        rerun = run_cli(sc.rerun, home, trace)
        final = check_home(home)
        same = catalog_digest(home) == reference["catalog"]
        same_index = None
        if reference["index"] is not None:
            same_index = same_index_as(index_snapshot(home), reference["index"])
        row = {
            "kill": kp.model_dump(),
            "landed": (
                f"just before #{int(kp.at)} {labels[int(kp.at) - 1]}"
                if kp.kind == "event"
                else f"after #{run.events} {run.last_event or '(no write yet)'}"
            ),
            "run": run.model_dump(exclude={"stderr_tail"}),
            "after_kill": after.model_dump(),
            "rerun": rerun.model_dump(exclude={"stderr_tail"})
            | ({"stderr_tail": rerun.stderr_tail} if rerun.rc != 0 else {}),
            "after_rerun": final.model_dump(),
            "same_catalog_as_reference": same,
            "same_index_as_reference": same_index,
        }
        row["ok"] = bool(
            not after.problems
            and not final.problems
            and not final.leftovers
            and rerun.rc == 0
            and same
            and same_index is not False
            and run.survivors == 0
        )
        rows.append(row)
        log(
            f"  {kp.kind} {kp.at:>6}: {row['landed'][:70]:<70} -> "
            f"docs {after.documents}, bm25 {after.bm25}, leftovers {len(after.leftovers)}, "
            f"problems {len(after.problems)}; rerun rc {rerun.rc}, same {same}"
            + ("" if same_index is None else f", same index {same_index}")
            + ("" if row["ok"] else "  <-- FAIL")
        )
    shutil.rmtree(home, ignore_errors=True)
    return {
        "name": sc.name,
        "command": "docnav " + " ".join(_short(a) for a in sc.args),
        "rerun": "docnav " + " ".join(_short(a) for a in sc.rerun),
        "reference": {
            "seconds": ref_run.seconds,
            "events": len(labels),
            "documents": ref_check.documents,
            "chunks": ref_check.chunks,
            "exact_kill_points": len(all_events),
        },
        "kills": rows,
        "passed": sum(r["ok"] for r in rows),
        "failed": sum(not r["ok"] for r in rows),
    }


def _short(arg: str) -> str:
    return Path(arg).name if os.sep in arg else arg


def prepare_base(files: list[Path], base: Path, dense: bool = True) -> None:
    """A complete home: the files ingested and the index built (plain CLI runs)."""
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    for args in (
        ["ingest", *map(str, files), "-j", "1"],
        ["index", "rebuild"] + ([] if dense else ["--bm25-only"]),
    ):
        r = run_cli(args, base, base.parent / "base.trace")
        if r.rc != 0:
            raise RuntimeError(f"`docnav {' '.join(args[:2])}` failed: {r.stderr_tail}")
    (base.parent / "base.trace").unlink(missing_ok=True)


def run_crash_bench(
    files: list[Path],
    work: Path,
    out: Path | None = None,
    event_budget: int = 12,
    timed: int = 6,
    only: list[str] | None = None,
    budgets: dict[str, tuple[int, int]] | None = None,
    rebuild_full: bool = True,
    command: str = "docnav bench crash",
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Every scenario (or ``only`` some), ``event_budget`` exact and ``timed`` timed kills each
    (``budgets``: scenario name -> (exact, timed) where it differs)."""
    from docnav.bench import git_commit, machine_info

    work.mkdir(parents=True, exist_ok=True)
    corpus = work / "corpus"
    corpus.mkdir(exist_ok=True)
    local = []
    for f in files:  # stable paths inside the work folder: the catalog records source paths
        dst = corpus / f.name
        if not dst.exists():
            shutil.copyfile(f, dst)
        local.append(dst)
    t0 = time.perf_counter()
    base = work / "base-home"
    prepare_base(local, base, dense=rebuild_full)
    results = []
    for sc in scenarios(local, base, rebuild_full=rebuild_full):
        if only and sc.name not in only:
            continue
        n_events, n_timed = (budgets or {}).get(sc.name, (event_budget, timed))
        results.append(run_scenario(sc, work, n_events, n_timed, log=log))
    result = {
        "command": command,
        "measured_at_commit": git_commit(),
        "machine": machine_info() | {"load_avg_at_start": [round(x, 1) for x in os.getloadavg()]},
        "files": [f.name for f in files],
        "seconds": round(time.perf_counter() - t0, 1),
        "scenarios": results,
        "kills": sum(len(s["kills"]) for s in results),
        "failed": sum(s["failed"] for s in results),
    }
    if out is not None:
        write_report(result, out)
    return result


def write_report(result: dict[str, Any], out: Path) -> None:
    from docnav.bench import machine_line

    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# Crash consistency: kill -9 during ingestion and index rebuilds",
        "",
        f"Command: `{result['command']}` (repo root), measured at commit "
        f"{result['measured_at_commit']} on {machine_line(result['machine'])}, load average "
        f"{result['machine']['load_avg_at_start']} at start; {result['seconds']:.0f} s in all.",
        f"Files: {', '.join(result['files'])}.",
        "",
        f"**{result['kills']} kills, {result['failed']} failed.** A kill passes when, right after "
        "it, every catalog row points to a complete version folder that agrees with it (meta, "
        "page files, sections, chunks), the catalog passes `PRAGMA integrity_check`, the index "
        "status (what `docnav index status` prints) reads and is never `corrupt`, and a BM25 "
        "search returns only chunks the store has; and when the same command run again completes "
        "(exit 0), leaves no leftover folder, and yields the same catalog (records without "
        "`ingested_at`, sections, pages, chunks; and for `rebuild` the same BM25 postings "
        "and embedding matrices, to float16 rounding) as an uninterrupted run. `event` kills are SIGKILLs the process "
        "sends itself just before the numbered write or SQL statement of the reference trace "
        "(bench/crash_child.py); `time` kills come from outside after a delay.",
        "",
    ]
    for s in result["scenarios"]:
        ref = s["reference"]
        lines += [
            f"## {s['name']}: `{s['command']}`",
            "",
            f"Reference (uninterrupted): {ref['seconds']} s, {ref['events']} traced writes and "
            f"statements, {ref['documents']} documents / {ref['chunks']} chunks; "
            f"{ref['exact_kill_points']} exact kill points found, {len(s['kills'])} kills run, "
            f"**{s['failed']} failed**. After each kill: `{s['rerun']}`.",
            "",
            "| kill | where it landed | docs visible | leftovers | bm25 | embedded | problems | rerun | same result | ok |",
            "| --- | --- | ---: | ---: | --- | ---: | --- | ---: | --- | --- |",
        ]
        for r in s["kills"]:
            k, a = r["kill"], r["after_kill"]
            at = f"event {int(k['at'])}" if k["kind"] == "event" else f"{k['at']} s"
            same = "yes" if r["same_catalog_as_reference"] else "**no**"
            if r["same_index_as_reference"] is not None:
                same += " / index " + ("yes" if r["same_index_as_reference"] else "**no**")
            probs = "; ".join(a["problems"])[:120] or "none"
            why = k["why"] if k["kind"] == "event" else r["landed"]
            lines.append(
                f"| {at} | {why.replace('|', '/')} | {a['documents']} | {len(a['leftovers'])} | {a['bm25']} | "
                f"{a['dense_embedded']} | {probs} | {r['rerun']['rc']} | {same} | "
                f"{'yes' if r['ok'] else '**FAIL**'} |"
            )
        lines.append("")
    lines += [
        "Leftovers are unreferenced version folders (`docs/.tmp-*`, an old version whose "
        "deletion was cut off) or index temporaries: never visible through the catalog, removed by "
        "the next ingest's sweep or index build; the rerun must leave none. SIGKILL tests process "
        "crashes; power loss (unsynced page cache) is not covered.",
    ]
    (out / "report.md").write_text("\n".join(lines) + "\n")


# the default corpus: short synthetic filings (deterministic) and short real ones
SYNTH_FILES = ("DUNGATE_2023_10K.pdf", "VALEWIND_2024_10K.pdf", "YARROGATE_2023Q4_8K.pdf")
REAL_FILES = (
    "AMCOR_2023Q4_EARNINGS.pdf",
    "FOOTLOCKER_2022_8K_dated-2022-05-20.pdf",
    "BESTBUY_2024Q2_10Q.pdf",
)


def default_files(work: Path, fb_pdfs: Path | None) -> list[Path]:
    """SYNTH_FILES from `docnav synth --small` (made under ``work``) plus REAL_FILES from
    ``fb_pdfs`` where that folder exists."""
    from docnav.synth import SynthConfig, generate, small_config

    synth = work / "synth"
    if not all((synth / "pdf" / n).exists() for n in SYNTH_FILES):
        cfg = SynthConfig.model_validate({**small_config(0).model_dump(), "formats": ["pdf"]})
        generate(cfg, synth)
    files = [synth / "pdf" / n for n in SYNTH_FILES]
    if fb_pdfs is not None and fb_pdfs.is_dir():
        files += [fb_pdfs / n for n in REAL_FILES if (fb_pdfs / n).exists()]
    return files


def main(argv: list[str] | None = None) -> int:  # python -m docnav.bench.crash
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--work", type=Path, default=Path("/tmp/docnav-crash"))
    ap.add_argument("--out", type=Path, default=Path("results/crash"))
    ap.add_argument("--events", type=int, default=12)
    ap.add_argument("--timed", type=int, default=6)
    ap.add_argument("--only", default="")
    a = ap.parse_args(argv)
    r = run_crash_bench(
        a.files,
        a.work,
        a.out,
        a.events,
        a.timed,
        only=[x for x in a.only.split(",") if x] or None,
        command="python -m docnav.bench.crash " + " ".join(sys.argv[1:]),
    )
    return 1 if r["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
