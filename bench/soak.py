"""`docnav bench soak`: the REST service under mixed traffic for a bounded time, with its LLM
server killed and restarted in the middle.

Everything runs on 127.0.0.1: a real ``docnav serve`` (bench/load.py's Server) over a small
synthetic store, pointed (``DOCNAV_LLM_BACKEND=openai``) at llama.cpp's OpenAI-compatible
server (``python -m llama_cpp.server``, started through ``docnav.agent.llm.llama_cpu``) with the 0.5B GGUF that the ``local`` extra ships in
parts (joined once by agent/llm/gguf.py). ``clients`` httpx async clients in three roles:

- ask clients (``ask_clients``): ``POST /v1/ask`` in rag or agent mode, some streamed (SSE);
- upload clients (``upload_clients``): ``POST /v1/documents`` with a new small text filing,
  then ``GET /v1/jobs/{id}``;
- the rest: ``POST /v1/search`` (bm25 / hybrid), ``GET /v1/documents``, ``/documents/{id}``,
  ``/documents/{id}/pages/{n}`` and a missing document (404), with a short think time.

At ``kill_at`` of the run the LLM server gets SIGKILL; at ``restart_at`` a new one starts on
the same port. Recorded: every response's status (and for asks whether a 200 carried an
answer or an LLM error, for streams the final event), server and LLM RSS every 2 s, and at
the end every acknowledged upload (202) looked up in the catalog. Pass: no 5xx other than
the documented 502 / 503 / 504, server RSS flat after warm-up, every acknowledged upload
present. Bounded: ``duration_s`` and ``max_requests``.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
from rich.console import Console

from docnav.bench import git_commit, machine_info
from docnav.bench.load import Server, _free_port

MODEL = "qwen2.5-coder-0.5b"
DOCUMENTED_5XX = {502, 503, 504}
LLM_ERROR_MARKERS = ("LLM backend error", "No answer: LLM")  # a failure passed off as an answer


# -- the LLM server ------------------------------------------------------------------------------
class LlmServer:
    """llama.cpp's OpenAI-compatible server on 127.0.0.1 (killable, restartable)."""

    def __init__(self, gguf: Path, log: Path, n_ctx: int = 4096) -> None:
        self.gguf, self.log_path, self.n_ctx = gguf, log, n_ctx
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.proc: subprocess.Popen | None = None

    def start(self, wait_s: float = 240.0) -> float:
        cmd = [
            sys.executable,
            "-m",
            "docnav.agent.llm.llama_cpu",  # llama_cpp.server, with the AMX workaround
            "--model",
            str(self.gguf),
            "--model_alias",
            MODEL,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--n_ctx",
            str(self.n_ctx),
            "--chat_format",
            "chatml-function-calling",
            "--verbose",
            "False",
        ]
        env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
        t0 = time.monotonic()
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        while time.monotonic() - t0 < wait_s:
            if self.proc.poll() is not None:
                raise RuntimeError(f"llama.cpp server exited; see {self.log_path}")
            try:
                if httpx.get(self.url + "/models", timeout=2).status_code == 200:
                    return time.monotonic() - t0
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"llama.cpp server not up in {wait_s:.0f} s; see {self.log_path}")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)

    def rss_mb(self) -> float | None:
        try:
            return psutil.Process(self.proc.pid).memory_info().rss / 1e6 if self.proc else None
        except psutil.Error:
            return None


def model_path(models_dir: Path) -> Path:
    """The 0.5B GGUF, joined from its PyPI parts on first use (as the local backend does)."""
    from docnav.agent.llm.gguf import resolve_model_path

    return resolve_model_path(MODEL, models_dir)


# -- the store ---------------------------------------------------------------------------------------
def ensure_store(home: Path, console: Console) -> tuple[list[dict], list[str]]:
    """The synthetic small corpus (PDF) ingested and indexed once; its documents and questions."""
    from docnav.engine import Engine
    from docnav.settings import Settings
    from docnav.synth import SynthConfig, generate, small_config

    corpus = home / "corpus"
    if not (corpus / "questions.jsonl").exists():
        cfg = SynthConfig.model_validate({**small_config(0).model_dump(), "formats": ["pdf"]})
        generate(cfg, corpus)
    engine = Engine(Settings(home=home))
    if len(engine.documents()) < 10:
        console.print(f"ingesting the synthetic corpus into {home} (once)")
        engine.ingest([corpus / "pdf"])
        engine.rebuild_index()
    docs = [{"doc_id": d.doc_id, "n_pages": d.n_pages} for d in engine.documents()]
    questions = [
        json.loads(x)["question"] for x in (corpus / "questions.jsonl").open() if x.strip()
    ]
    return docs, questions


def upload_text(i: int, rnd: random.Random) -> bytes:
    """A small, unique text filing (new content each time, so each upload is a new document)."""
    year = 2000 + i % 20
    return (
        f"FORM 10-K\nSOAK TEST HOLDINGS {i}\nFor the fiscal year ended December 31, {year}\n\n"
        f"PART I\nItem 1. Business\nSoak Test Holdings {i} makes part {rnd.randrange(10**9)}.\n"
        f"Net sales were ${rnd.randrange(10, 999)}.{rnd.randrange(10)} million.\n\n"
        "PART II\nItem 8. Financial Statements\nTotal assets 1,234 (in thousands)\n"
    ).encode()


# -- traffic -------------------------------------------------------------------------------------------
class Recorder:
    def __init__(self, t0: float) -> None:
        self.t0 = t0
        self.rows: list[dict[str, Any]] = []
        self.uploads: list[dict[str, Any]] = []

    def add(self, endpoint: str, status: str, started: float, **extra: Any) -> None:
        now = time.monotonic()
        self.rows.append(
            {
                "t": round(started - self.t0, 2),
                "secs": round(now - started, 3),
                "endpoint": endpoint,
                "status": status,
                **extra,
            }
        )


def _status(r: httpx.Response) -> str:
    return str(r.status_code)


async def _ask(
    c: httpx.AsyncClient,
    rec: Recorder,
    rnd: random.Random,
    questions: list[str],
    llm_up: threading.Event,
) -> None:
    mode = "agent" if rnd.random() < 0.25 else "rag"
    stream = rnd.random() < 0.25
    body = {"question": rnd.choice(questions), "mode": mode, "stream": stream}
    if mode == "agent":
        body["options"] = {"max_steps": 3}
    t, up = time.monotonic(), llm_up.is_set()
    try:
        if stream:
            async with c.stream("POST", "/v1/ask", json=body) as r:
                last = None
                async for line in r.aiter_lines():
                    if line.startswith("event:"):
                        last = line.split(":", 1)[1].strip()
                status = _status(r) + (f"-sse-{last}" if r.status_code == 200 else "")
        else:
            r = await c.post("/v1/ask", json=body)
            status = _status(r)
            if r.status_code == 200 and any(
                m in r.json().get("answer", "") for m in LLM_ERROR_MARKERS
            ):
                status = "200-llm-error"
    except httpx.HTTPError as exc:
        status = type(exc).__name__
    rec.add(f"ask-{mode}" + ("-sse" if stream else ""), status, t, llm_up=up)


async def _upload(c: httpx.AsyncClient, rec: Recorder, rnd: random.Random, i: int) -> None:
    t = time.monotonic()
    files = {"files": (f"soak-{i}.txt", upload_text(i, rnd), "text/plain")}
    try:
        r = await c.post("/v1/documents", files=files)
        status = _status(r)
        if r.status_code == 202:
            rec.uploads.append({"i": i, "job": r.json()["id"], "t": round(t - rec.t0, 2)})
    except httpx.HTTPError as exc:
        status = type(exc).__name__
    rec.add("upload", status, t)


async def _browse(
    c: httpx.AsyncClient, rec: Recorder, rnd: random.Random, docs: list[dict], questions: list[str]
) -> None:
    x = rnd.random()
    d = rnd.choice(docs)
    if x < 0.5:
        ep, call = (
            "search",
            c.post(
                "/v1/search",
                json={
                    "query": rnd.choice(questions),
                    "mode": "bm25" if rnd.random() < 0.7 else "hybrid",
                    "k": 5,
                },
            ),
        )
    elif x < 0.62:
        ep, call = "documents", c.get("/v1/documents")
    elif x < 0.75:
        ep, call = "document", c.get(f"/v1/documents/{d['doc_id']}")
    elif x < 0.95:
        ep, call = (
            "page",
            c.get(f"/v1/documents/{d['doc_id']}/pages/{rnd.randint(1, d['n_pages'])}"),
        )
    else:
        ep, call = "missing", c.get(f"/v1/documents/no-such-doc-{rnd.randrange(1000)}")
    t = time.monotonic()
    try:
        status = _status(await call)
    except httpx.HTTPError as exc:
        status = type(exc).__name__
    rec.add(ep, status, t)


async def _traffic(
    url: str,
    rec: Recorder,
    clients: int,
    ask_clients: int,
    upload_clients: int,
    deadline: float,
    max_requests: int,
    docs: list[dict],
    questions: list[str],
    llm_up: threading.Event,
    seed: int,
) -> None:
    limits = httpx.Limits(max_connections=clients + 4, max_keepalive_connections=clients + 4)
    counter = {"upload": 0}
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as c:

        async def client(k: int) -> None:
            rnd = random.Random(seed * 1000 + k)
            role = (
                "ask"
                if k < ask_clients
                else "upload"
                if k < ask_clients + upload_clients
                else "browse"
            )
            while time.monotonic() < deadline and len(rec.rows) < max_requests:
                if role == "ask":
                    await _ask(c, rec, rnd, questions, llm_up)
                elif role == "upload":
                    counter["upload"] += 1
                    await _upload(c, rec, rnd, counter["upload"] + 1000 * k)
                    await asyncio.sleep(rnd.uniform(2, 6))
                else:
                    await _browse(c, rec, rnd, docs, questions)
                    await asyncio.sleep(rnd.uniform(0.02, 0.2))

        await asyncio.gather(*(client(k) for k in range(clients)))


def _verify_uploads(url: str, rec: Recorder, wait_s: float = 300.0) -> dict[str, Any]:
    """Every acknowledged upload: its job finished and its document is in the catalog."""
    jobs = {u["job"]: None for u in rec.uploads}
    end = time.monotonic() + wait_s
    with httpx.Client(base_url=url, timeout=60) as c:
        while time.monotonic() < end:
            for j in [
                j for j, v in jobs.items() if v is None or v["status"] in ("queued", "running")
            ]:
                r = c.get(f"/v1/jobs/{j}")
                jobs[j] = r.json() if r.status_code == 200 else {"status": f"http {r.status_code}"}
            if all(v and v["status"] not in ("queued", "running") for v in jobs.values()):
                break
            time.sleep(2)
        docs = c.get("/v1/documents", params={"limit": 500}).json()["documents"]
        listed = {d["doc_id"] for d in docs}
        present, missing, failed = 0, [], []
        for j, v in jobs.items():
            ids = [f.get("doc_id") for f in (v or {}).get("results", []) if f.get("doc_id")]
            if not v or v["status"] not in ("succeeded", "partial") or not ids:
                failed.append(
                    {"job": j, "status": (v or {}).get("status"), "error": (v or {}).get("error")}
                )
                continue
            ok = all(i in listed and c.get(f"/v1/documents/{i}").status_code == 200 for i in ids)
            if ok:
                present += 1
            else:
                missing.append({"job": j, "doc_ids": ids})
    return {"acknowledged": len(jobs), "present": present, "missing": missing, "failed": failed}


def _sampler(
    srv: Server, llm: LlmServer, t0: float, stop: threading.Event, out: list[dict]
) -> None:
    proc = psutil.Process(srv.proc.pid)
    while not stop.is_set():
        try:
            rss = proc.memory_info().rss / 1e6
            kids = sum(k.memory_info().rss for k in proc.children(recursive=True)) / 1e6
        except psutil.Error:
            rss, kids = None, None
        out.append(
            {
                "t": round(time.monotonic() - t0, 1),
                "server_mb": rss and round(rss, 1),
                "server_children_mb": kids and round(kids, 1),
                "llm_mb": llm.rss_mb(),
            }
        )
        stop.wait(2.0)


# -- the run ---------------------------------------------------------------------------------------------
def run_soak(
    home: Path,
    out: Path,
    models_dir: Path,
    clients: int = 16,
    duration_s: float = 180.0,
    kill_at: float = 0.35,
    restart_at: float = 0.6,
    max_requests: int = 20000,
    seed: int = 0,
    command: str = "docnav bench soak",
    console: Console | None = None,
) -> dict[str, Any]:
    console = console or Console()
    home.mkdir(parents=True, exist_ok=True)
    docs, questions = ensure_store(home, console)
    gguf = model_path(models_dir)
    llm = LlmServer(gguf, home / "soak-llm.log")
    llm_start_s = llm.start()
    console.print(f"llama.cpp server up in {llm_start_s:.1f} s at {llm.url} ({gguf.name})")
    env = {
        "DOCNAV_LLM_BACKEND": "openai",
        "DOCNAV_LLM_BASE_URL": llm.url,
        "DOCNAV_LLM_MODEL": MODEL,
        "DOCNAV_LLM_TIMEOUT_S": "60",
        "DOCNAV_LLM_MAX_RETRIES": "1",
        "DOCNAV_LLM_CTX": "4096",
        "DOCNAV_RAG_K": "3",
        "DOCNAV_AGENT_MAX_STEPS": "3",
        "DOCNAV_AGENT_MAX_SECONDS": "90",
        "DOCNAV_ASK_TIMEOUT_S": "120",
        "DOCNAV_ASK_QUEUE_WAIT_S": "2",
        "DOCNAV_LOG_JSON": "true",
        "DOCNAV_SERVE_WARM_DENSE": "true",
    }
    log = home / "soak-server.log"
    log.unlink(missing_ok=True)
    srv = Server(home, log, env, stub_ask=False)
    ask_clients, upload_clients = max(2, clients // 8), max(1, clients // 16)
    llm_up = threading.Event()
    llm_up.set()
    events: list[dict] = []
    samples: list[dict] = []
    stop = threading.Event()
    t0 = time.monotonic()
    rec = Recorder(t0)
    sampler = threading.Thread(target=_sampler, args=(srv, llm, t0, stop, samples), daemon=True)

    def chaos() -> None:  # the LLM server dies mid-run and comes back
        if stop.wait(duration_s * kill_at):
            return
        llm.kill()
        llm_up.clear()
        events.append({"t": round(time.monotonic() - t0, 1), "event": "LLM server SIGKILL"})
        console.print(f"[{events[-1]['t']:.0f}s] LLM server killed")
        if stop.wait(max(0.0, duration_s * restart_at - (time.monotonic() - t0))):
            return
        events.append({"t": round(time.monotonic() - t0, 1), "event": "LLM server restart"})
        secs = llm.start()
        llm_up.set()
        events.append(
            {"t": round(time.monotonic() - t0, 1), "event": f"LLM server up ({secs:.1f} s)"}
        )
        console.print(f"[{events[-1]['t']:.0f}s] LLM server back")

    chaos_thread = threading.Thread(target=chaos, daemon=True)
    try:
        sampler.start()
        chaos_thread.start()
        console.print(
            f"soak: {clients} clients ({ask_clients} ask, {upload_clients} upload) for {duration_s:.0f} s"
        )
        asyncio.run(
            _traffic(
                srv.url,
                rec,
                clients,
                ask_clients,
                upload_clients,
                t0 + duration_s,
                max_requests,
                docs,
                questions,
                llm_up,
                seed,
            )
        )
        traffic_s = time.monotonic() - t0
        events.append({"t": round(traffic_s, 1), "event": "traffic ends (uploads checked after)"})
        stop.set()
        chaos_thread.join(300)
        uploads = _verify_uploads(srv.url, rec)
        sampler.join(5)
        server_alive = srv.proc.poll() is None
    finally:
        stop.set()
        srv.stop()
        llm.kill()
    result = summarise(rec, samples, events, uploads, traffic_s, server_alive)
    result |= {
        "command": command,
        "measured_at_commit": git_commit(),
        "machine": machine_info() | {"load_avg_at_start": [round(x, 1) for x in os.getloadavg()]},
        "config": {
            "clients": clients,
            "ask_clients": ask_clients,
            "upload_clients": upload_clients,
            "duration_s": duration_s,
            "kill_at_s": round(duration_s * kill_at, 1),
            "restart_at_s": round(duration_s * restart_at, 1),
            "max_requests": max_requests,
            "seed": seed,
            "store_documents_at_start": len(docs),
            "llm": f"{MODEL} ({gguf.name}) via python -m docnav.agent.llm.llama_cpu (llama_cpp.server)",
            "env": env,
        },
        "events": events,
        "llm_server_errors": llm_server_errors(llm.log_path),
        "rss": samples,
    }
    result |= compact_requests(rec.rows)
    out.mkdir(parents=True, exist_ok=True)
    write_report(result, out)
    return result


BUCKET_S = 10.0
CLASSES = ("2xx", "4xx", "502", "503", "504", "other 5xx", "transport")


def status_class(s: str) -> str:
    if not s[:1].isdigit():
        return "transport"
    if s[0] in "24":
        return s[0] + "xx"
    return s[:3] if s[:3] in ("502", "503", "504") else "other 5xx"


def compact_requests(rows: list[dict]) -> dict[str, Any]:
    """Responses per BUCKET_S by class (for the plot), and the rows worth reading one by one:
    every ask and every response that is not a 2xx or 4xx (a whole run is ~16k rows)."""
    n = int(max([r["t"] for r in rows] + [0]) // BUCKET_S) + 1
    buckets = {c: [0] * n for c in CLASSES}
    for r in rows:
        buckets[status_class(r["status"])][int(r["t"] // BUCKET_S)] += 1
    keep = [
        r for r in rows if r["endpoint"].startswith("ask") or status_class(r["status"])[1:] != "xx"
    ]
    return {"buckets": {"seconds": BUCKET_S, **buckets}, "requests": keep}


def llm_server_errors(log: Path) -> dict[str, int]:
    """What the LLM server itself answered 500 to, and why (from its log): a 502 docnav
    passes on is not always the LLM being down."""
    text = log.read_text(errors="replace") if log.exists() else ""
    out = {"http_500": text.count('" 500 ')}
    if 'tool_choice == "auto"' in text:
        out["chatml_function_calling_requires_auto"] = text.count("AssertionError")
    return out


def summarise(
    rec: Recorder,
    samples: list[dict],
    events: list[dict],
    uploads: dict,
    traffic_s: float,
    server_alive: bool,
) -> dict[str, Any]:
    by_ep: dict[str, dict[str, int]] = {}
    for r in rec.rows:
        by_ep.setdefault(r["endpoint"], {}).setdefault(r["status"], 0)
        by_ep[r["endpoint"]][r["status"]] += 1
    undocumented = [
        r for r in rec.rows if r["status"][:1] == "5" and int(r["status"][:3]) not in DOCUMENTED_5XX
    ]
    transport = [r for r in rec.rows if not r["status"][:1].isdigit()]
    asks = [r for r in rec.rows if r["endpoint"].startswith("ask")]
    ask_down = {}
    for r in asks:
        key = "llm up" if r.get("llm_up") else "llm down"
        ask_down.setdefault(key, {}).setdefault(r["status"], 0)
        ask_down[key][r["status"]] += 1
    disguised = [r for r in asks if r["status"] in ("200-llm-error",)]
    srv = [s["server_mb"] for s in samples if s["server_mb"]]
    warm = srv[len(srv) // 5 :] or srv  # after warm-up (first fifth)
    q = max(len(warm) // 4, 1)
    growth = (sum(warm[-q:]) / q - sum(warm[:q]) / q) if warm else None
    rss = {
        "server_start_mb": srv[0] if srv else None,
        "server_after_warmup_mb": warm[0] if warm else None,
        "server_end_mb": srv[-1] if srv else None,
        "server_max_mb": max(srv) if srv else None,
        "growth_after_warmup_mb": round(growth, 1) if growth is not None else None,
    }
    flat = growth is not None and growth < max(50.0, 0.10 * (warm[0] if warm else 0))
    return {
        "traffic_seconds": round(traffic_s, 1),
        "total_requests": len(rec.rows),
        "throughput_rps": round(len(rec.rows) / traffic_s, 1) if traffic_s else None,
        "statuses": by_ep,
        "undocumented_5xx": len(undocumented),
        "undocumented_5xx_examples": undocumented[:10],
        "transport_errors": len(transport),
        "ask_by_llm_state": ask_down,
        "asks_200_with_llm_error": len(disguised),
        "rss_summary": rss,
        "rss_flat": flat,
        "uploads": uploads,
        "server_alive_at_end": server_alive,
        "passed": bool(
            not undocumented
            and not transport
            and flat
            and server_alive
            and not uploads["missing"]
            and not uploads["failed"]
            and not disguised
        ),
    }


def write_report(result: dict[str, Any], out: Path) -> None:
    from docnav.extras import pyplot

    plt = pyplot()  # a clear error naming the bench extra when matplotlib is absent

    from docnav.bench import machine_line

    (out / "results.json").write_text(json.dumps(result, indent=1) + "\n")  # ~100 KB
    ev = {e["event"].split(" (")[0]: e["t"] for e in result["events"]}
    down = (ev.get("LLM server SIGKILL"), ev.get("LLM server up"))
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(11, 7), sharex=True)
    ts = [s["t"] for s in result["rss"]]
    a1.plot(ts, [s["server_mb"] for s in result["rss"]], label="docnav serve RSS")
    a1.plot(ts, [s["llm_mb"] for s in result["rss"]], label="llama.cpp server RSS", alpha=0.7)
    a1.set_ylabel("MB")
    a1.legend(loc="upper left")
    a1.set_title(
        f"soak: {result['config']['clients']} clients, {result['config']['duration_s']:.0f} s, "
        "LLM server killed and restarted (shaded: down; dashed: traffic ends)"
    )
    b = result["buckets"]
    bucket = b["seconds"]
    colors = ("tab:green", "tab:gray", "tab:orange", "tab:purple", "tab:brown", "tab:red", "black")
    n = len(b["2xx"])
    x = [i * bucket for i in range(n)]
    bottom = [0] * n
    for c, col in zip(CLASSES, colors, strict=True):
        if any(b[c]):
            a2.bar(x, b[c], width=bucket * 0.9, bottom=bottom, color=col, label=c, align="edge")
            bottom = [v0 + v for v0, v in zip(bottom, b[c], strict=True)]
    a2.set_ylabel(f"responses per {bucket:.0f} s")
    a2.set_xlabel("seconds")
    a2.legend(loc="upper right", ncol=4, fontsize=8)
    end = ev.get("traffic ends")
    for a in (a1, a2):
        if end is not None:
            a.axvline(end, color="black", linestyle="--", linewidth=0.8)
        if down[0] is not None:
            a.axvspan(
                down[0], down[1] if down[1] is not None else x[-1] + bucket, color="red", alpha=0.1
            )
    fig.tight_layout()
    fig.savefig(out / "soak.png", dpi=110)
    plt.close(fig)

    r, cfg, rs, up = result, result["config"], result["rss_summary"], result["uploads"]
    lines = [
        "# Soak: the REST service under mixed traffic, LLM server killed mid-run",
        "",
        f"Command: `{r['command']}` (repo root), measured at commit {r['measured_at_commit']} on "
        f"{machine_line(r['machine'])}, load average {r['machine']['load_avg_at_start']} at start "
        "(a shared machine: absolute figures are pessimistic).",
        "",
        f"A real `docnav serve` on 127.0.0.1 over {cfg['store_documents_at_start']} synthetic "
        f"filings; LLM: {cfg['llm']} with `DOCNAV_LLM_BACKEND=openai`. {cfg['clients']} clients "
        f"for {cfg['duration_s']:.0f} s: {cfg['ask_clients']} asking (rag, agent with 3 steps; a "
        f"quarter streamed), {cfg['upload_clients']} uploading a new text filing every 2-6 s, "
        "the rest searching (bm25 / hybrid) and reading documents, outlines and pages (5% a "
        f"missing document). The LLM server got SIGKILL at {cfg['kill_at_s']} s and was restarted "
        f"at {cfg['restart_at_s']} s: "
        + "; ".join(f"{e['t']} s {e['event']}" for e in r["events"])
        + ".",
        "",
        f"**{'PASS' if r['passed'] else 'FAIL'}**: {r['total_requests']} responses in "
        f"{r['traffic_seconds']} s ({r['throughput_rps']}/s); undocumented 5xx: "
        f"**{r['undocumented_5xx']}**; transport errors: {r['transport_errors']}; asks answered "
        f"200 with an LLM error as the answer: {r['asks_200_with_llm_error']}; server RSS "
        f"{rs['server_after_warmup_mb']} MB after warm-up -> {rs['server_end_mb']} MB at the end "
        f"(max {rs['server_max_mb']}, growth after warm-up {rs['growth_after_warmup_mb']} MB: "
        f"{'flat' if r['rss_flat'] else '**not flat**'}); uploads acknowledged "
        f"{up['acknowledged']}, present at the end {up['present']}, missing {len(up['missing'])}, "
        f"failed jobs {len(up['failed'])}; server alive at the end: {r['server_alive_at_end']}.",
        "",
        "## Statuses by endpoint",
        "",
        "| endpoint | statuses |",
        "| --- | --- |",
    ]
    for ep, st in sorted(r["statuses"].items()):
        lines.append(f"| {ep} | {', '.join(f'{k}: {v}' for k, v in sorted(st.items()))} |")
    lines += ["", "## Asks by LLM state when sent", "", "| LLM | statuses |", "| --- | --- |"]
    for k, st in sorted(r["ask_by_llm_state"].items()):
        lines.append(f"| {k} | {', '.join(f'{s}: {v}' for s, v in sorted(st.items()))} |")
    lines += [
        "",
        "Statuses: `200-sse-answer` / `200-sse-error` are streamed asks whose last event was an "
        "answer / an error event (the documented stream behaviour); `200-llm-error` would be a "
        "non-streamed 200 whose answer text is an LLM backend error (issue 20 case 2). 503 is the "
        "documented ask limiter (`Retry-After`), 502/504 the documented LLM-down / timeout errors. "
        "An ask sent while the LLM was up can still fail if the kill lands while it runs.",
        "",
    ]
    if r["undocumented_5xx_examples"]:
        lines += ["Undocumented 5xx (first 10):", "", "```"]
        lines += [json.dumps(x) for x in r["undocumented_5xx_examples"]] + ["```", ""]
    if up["missing"] or up["failed"]:
        lines += [
            "Uploads not present:",
            "",
            "```",
            json.dumps(up["missing"] + up["failed"])[:2000],
            "```",
            "",
        ]
    errs = r.get("llm_server_errors") or {}
    if errs.get("http_500"):
        lines += [
            f"The LLM server itself answered HTTP 500 {errs['http_500']} times"
            + (
                f" ({errs['chatml_function_calling_requires_auto']} of them llama-cpp-python's "
                '`chatml-function-calling` handler asserting `tool_choice == "auto"`: the agent '
                'sends `tool_choice="required"` with several tools, so agent-mode asks over this '
                "server end in 502 even while it is up)"
                if errs.get("chatml_function_calling_requires_auto")
                else ""
            )
            + "; docnav passed those on as 502.",
            "",
        ]
    lines += ["![soak](soak.png)", ""]
    (out / "report.md").write_text("\n".join(lines) + "\n")
