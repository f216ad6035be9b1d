"""`docnav bench load`: a bounded load test of the REST service on loopback.

A real ``docnav serve`` (uvicorn, one worker) runs in a subprocess over a store of
FinanceBench filings. ``/v1/search`` (BM25: the LLM-free, CPU-cheap path, so the figures
measure the service rather than the embedding model) is driven by 1, 8 and 32 concurrent
httpx async clients, each level with a fixed request count and a time cap; throughput,
p50/p95/p99 latency, errors and the server's RSS before and after are recorded.

``/v1/ask`` is then hit by more simultaneous questions than it has slots, to show the
documented behaviour: ``ask_concurrency`` questions run, others wait up to
``ask_queue_wait_s`` for a slot, the rest get 503 with Retry-After. With ``--ask stub``
the server's Engine.ask is replaced by a fixed-latency stand-in (bench only: it shows the
limiter, not the model); ``--ask real`` uses the configured LLM.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil
from rich.console import Console

from docnav.bench import git_commit, machine_info

LEVELS = (1, 8, 32)
STUB_SECONDS = 1.5  # the stand-in answer's latency


# -- the server under test -----------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create_stub_ask_app():
    """uvicorn factory for ``--ask stub``: the real app and Engine, with ``Engine.ask``
    replaced by a stand-in that takes STUB_SECONDS, reports steps and honours cancel."""
    from docnav.engine import Engine
    from docnav.serving import create_app
    from docnav.serving.logs import setup_logging
    from docnav.settings import Settings
    from docnav.types import Answer, Step, Trace

    settings = Settings()
    setup_logging(settings.serve.log_json)
    engine = Engine(settings)

    # counted, not timed: each answer says which call it was and how many stand-ins ran at
    # its start, so a test checks the slot limit without reading the clock
    calls = {"started": 0, "running": 0}
    lock = threading.Lock()

    def ask(question, mode="agent", *, on_step=None, cancel: threading.Event | None = None, **_):
        with lock:
            calls["started"] += 1
            calls["running"] += 1
            counts = {"call": calls["started"], "running": calls["running"]}
        steps = []
        end = time.monotonic() + STUB_SECONDS
        try:
            while time.monotonic() < end and not (cancel and cancel.is_set()):
                time.sleep(0.05)
        finally:
            with lock:
                calls["running"] -= 1
        s = Step(index=0, kind="answer", summary="stub answer (load bench)", arguments=counts)
        steps.append(s)
        if on_step:
            on_step(s)
        return Answer(question=question, mode=mode, answer="stub", trace=Trace(steps=steps))

    engine.ask = ask
    return create_app(engine)


class Server:
    def __init__(self, home: Path, log: Path, env: dict[str, str], stub_ask: bool) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full = {**os.environ, "DOCNAV_HOME": str(home), **env}
        if stub_ask:
            cmd = [
                sys.executable,
                "-m",
                "uvicorn",
                "docnav.bench.load:create_stub_ask_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
            ]
        else:
            docnav = str(Path(sys.executable).with_name("docnav"))
            cmd = [docnav, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        self._log = log.open("ab")
        self.proc = subprocess.Popen(cmd, env=full, stdout=self._log, stderr=subprocess.STDOUT)
        end = time.monotonic() + 300
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited; see {log}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"server not ready in 300 s; see {log}")

    def rss_mb(self) -> float:
        return psutil.Process(self.proc.pid).memory_info().rss / 1e6

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._log.close()


# -- load generation ---------------------------------------------------------------------
def _pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))]


async def _search_level(
    url: str, queries: list[str], clients: int, n_requests: int, time_cap_s: float
) -> dict:
    latencies: list[float] = []
    handler: list[float] = []
    statuses: dict[str, int] = {}
    nxt = 0
    t0 = time.perf_counter()
    deadline = t0 + time_cap_s
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as c:

        async def worker() -> None:
            nonlocal nxt
            while nxt < n_requests and time.perf_counter() < deadline:
                i = nxt
                nxt += 1
                body = {"query": queries[i % len(queries)], "mode": "bm25", "k": 10}
                t = time.perf_counter()
                try:
                    r = await c.post("/v1/search", json=body)
                    key = str(r.status_code)
                    if r.status_code == 200:
                        data = r.json()
                        handler.append(data["seconds"])  # inside the server: thread, lock, engine
                        if not data["hits"]:
                            key = "200-empty"
                except httpx.HTTPError as exc:
                    key = type(exc).__name__
                latencies.append(time.perf_counter() - t)
                statuses[key] = statuses.get(key, 0) + 1

        await asyncio.gather(*(worker() for _ in range(clients)))
    wall = time.perf_counter() - t0
    ok = statuses.get("200", 0) + statuses.get("200-empty", 0)
    return {
        "clients": clients,
        "requests": len(latencies),
        "seconds": round(wall, 2),
        "throughput_rps": round(len(latencies) / wall, 1),
        "p50_ms": round(1000 * _pct(latencies, 50), 1),
        "p95_ms": round(1000 * _pct(latencies, 95), 1),
        "p99_ms": round(1000 * _pct(latencies, 99), 1),
        "mean_ms": round(1000 * statistics.mean(latencies), 1) if latencies else None,
        "server_handler_p50_ms": round(1000 * _pct(handler, 50), 1),
        "errors": len(latencies) - ok,
        "statuses": statuses,
        "hit_time_cap": len(latencies) < n_requests,
    }


def _stub_counts(r: httpx.Response) -> dict | None:
    """A stand-in answer's call number and the stand-ins running at its start."""
    if r.status_code != 200:
        return None
    steps = r.json().get("trace", {}).get("steps") or [{}]
    return steps[0].get("arguments") or None


async def _ask_burst(url: str, n: int) -> list[dict]:
    """``n`` questions sent at the same instant."""
    async with httpx.AsyncClient(base_url=url, timeout=600) as c:
        t0 = time.perf_counter()

        async def one(i: int) -> dict:
            r = await c.post("/v1/ask", json={"question": f"What was revenue in year {2015 + i}?"})
            return {
                "i": i,
                "status": r.status_code,
                "seconds": round(time.perf_counter() - t0, 2),
                "retry_after": r.headers.get("retry-after"),
                "code": r.json().get("error", {}).get("code") if r.status_code != 200 else None,
                "stub": _stub_counts(r),
            }

        return sorted(await asyncio.gather(*(one(i) for i in range(n))), key=lambda x: x["seconds"])


# -- the benchmark -------------------------------------------------------------------------
def _in_process_baseline(home: Path, queries: list[str], n: int = 200) -> dict:
    """The same searches through Engine.search in this process, one after another: what
    the service adds (HTTP, JSON, threads, the lock) is the difference at 1 client."""
    from docnav.engine import Engine
    from docnav.settings import Settings

    engine = Engine(Settings(home=home))
    engine.search(queries[0], mode="bm25", k=10)  # loads the index
    lat = []
    t0 = time.perf_counter()
    for i in range(n):
        t = time.perf_counter()
        engine.search(queries[i % len(queries)], mode="bm25", k=10)
        lat.append(time.perf_counter() - t)
    wall = time.perf_counter() - t0
    return {
        "searches": n,
        "throughput_rps": round(n / wall, 1),
        "p50_ms": round(1000 * _pct(lat, 50), 1),
        "p95_ms": round(1000 * _pct(lat, 95), 1),
        "p99_ms": round(1000 * _pct(lat, 99), 1),
    }


def _ensure_store(home: Path, pdfs: Path, limit: int, console: Console) -> int:
    from docnav.engine import Engine
    from docnav.settings import Settings

    engine = Engine(Settings(home=home))
    have = engine.documents()
    if len(have) >= limit:
        return len(have)
    files = sorted(pdfs.glob("*.pdf"))[:limit]
    console.print(f"ingesting {len(files)} filings into {home} (once; cached for later runs)")
    report = engine.ingest(files, workers=2)
    if report.failed:
        raise RuntimeError(f"{len(report.failed)} filings failed to ingest")
    return len(engine.documents())


def run_load_bench(
    home: Path,
    pdfs: Path,
    questions: Path,
    out: Path,
    limit: int = 20,
    requests: int = 600,
    time_cap_s: float = 60.0,
    ask: str = "stub",
    ask_burst: int = 8,
    ask_concurrency: int = 2,
    ask_queue_wait_s: float = 2.0,
    console: Console | None = None,
) -> dict:
    console = console or Console()
    n_docs = _ensure_store(home, pdfs, limit, console)
    queries = [json.loads(x)["question"] for x in questions.read_text().splitlines() if x.strip()]
    out.mkdir(parents=True, exist_ok=True)
    log = home / "load-server.log"  # per-request access lines, beside the store (not committed)
    log.unlink(missing_ok=True)
    baseline = _in_process_baseline(home, queries)
    console.print(
        f"in-process Engine.search baseline: p50 {baseline['p50_ms']} ms, "
        f"{baseline['throughput_rps']} searches/s"
    )
    env = {"DOCNAV_SERVE_WARM_DENSE": "false", "DOCNAV_LOG_JSON": "true"}

    srv = Server(home, log, env, stub_ask=False)
    try:
        chunks = httpx.get(f"{srv.url}/readyz").json()["checks"]["index"]["detail"]
        asyncio.run(_search_level(srv.url, queries, 4, 40, 30))  # warm-up, not recorded
        rss = [("after warm-up", round(srv.rss_mb(), 1))]
        levels = []
        for clients in LEVELS:
            r = asyncio.run(_search_level(srv.url, queries, clients, requests, time_cap_s))
            levels.append(r)
            rss.append((f"after {clients} clients", round(srv.rss_mb(), 1)))
            console.print(
                f"search x{clients}: {r['throughput_rps']} req/s, p50 {r['p50_ms']} ms, "
                f"p95 {r['p95_ms']} ms, p99 {r['p99_ms']} ms, errors {r['errors']}"
            )
        # a second pass at the highest level: memory must not keep growing
        again = asyncio.run(_search_level(srv.url, queries, LEVELS[-1], requests, time_cap_s))
        rss.append((f"after a 2nd {LEVELS[-1]}-client pass", round(srv.rss_mb(), 1)))
        again_errors = again["errors"]
    finally:
        srv.stop()

    ask_env = {
        **env,
        "DOCNAV_ASK_CONCURRENCY": str(ask_concurrency),
        "DOCNAV_ASK_QUEUE_WAIT_S": str(ask_queue_wait_s),
        "DOCNAV_RETRY_AFTER_S": "5",
    }
    srv = Server(home, log, ask_env, stub_ask=ask == "stub")
    try:
        burst = asyncio.run(_ask_burst(srv.url, ask_burst))
    finally:
        srv.stop()
    counts: dict[str, int] = {}
    for b in burst:
        counts[str(b["status"])] = counts.get(str(b["status"]), 0) + 1
    console.print(f"ask burst of {ask_burst} with {ask_concurrency} slots: {counts}")

    result = {
        "command": "docnav bench load"
        + (f" --ask {ask}" if ask != "stub" else "")
        + (f" --requests {requests}" if requests != 600 else ""),
        "measured_at_commit": git_commit(),
        "machine": machine_info() | {"load_avg_at_start": [round(x, 1) for x in os.getloadavg()]},
        "store": {"documents": n_docs, "index": chunks},
        "search": {
            "mode": "bm25",
            "k": 10,
            "requests_per_level": requests,
            "time_cap_s": time_cap_s,
            "queries": f"{len(queries)} FinanceBench questions, cycled",
            "in_process_baseline": baseline,
            "levels": levels,
            "second_pass_errors": again_errors,
        },
        "rss_mb": rss,
        "ask": {
            "engine_ask": ask,
            "stub_seconds": STUB_SECONDS if ask == "stub" else None,
            "ask_concurrency": ask_concurrency,
            "ask_queue_wait_s": ask_queue_wait_s,
            "burst": ask_burst,
            "outcomes": counts,
            "requests": burst,
        },
    }
    _write(result, out)
    return result


def _write(result: dict, out: Path) -> None:
    from docnav.extras import pyplot

    plt = pyplot()  # a clear error naming the bench extra when matplotlib is absent

    (out / "results.json").write_text(json.dumps(result, indent=2))
    _plot(plt, result, out / "load.png")
    (out / "report.md").write_text(_report_md(result))


def _plot(plt, result: dict, path: Path) -> None:
    """Search throughput and latency per client count, and the ask burst's timeline."""
    levels = result["search"]["levels"]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    x = [str(lv["clients"]) for lv in levels]
    axes[0].bar(x, [lv["throughput_rps"] for lv in levels], color="tab:blue")
    axes[0].set_title("/v1/search (bm25) throughput")
    axes[0].set_xlabel("concurrent clients")
    axes[0].set_ylabel("requests / s")
    for q, style in (("p50", "o-"), ("p95", "s-"), ("p99", "^-")):
        axes[1].plot(x, [lv[f"{q}_ms"] for lv in levels], style, label=q)
    axes[1].set_title("/v1/search latency")
    axes[1].set_xlabel("concurrent clients")
    axes[1].set_ylabel("ms")
    axes[1].legend()
    a = result["ask"]
    colors = {200: "tab:green", 503: "tab:red"}
    for b in a["requests"]:
        axes[2].barh(b["i"], b["seconds"], color=colors.get(b["status"], "tab:gray"))
        axes[2].text(b["seconds"], b["i"], f" {b['status']}", va="center", fontsize=8)
    axes[2].set_title(
        f"/v1/ask burst of {a['burst']}, {a['ask_concurrency']} slots, wait {a['ask_queue_wait_s']} s"
        + (" (stub)" if a["engine_ask"] == "stub" else "")
    )
    axes[2].set_xlabel("seconds to response")
    axes[2].set_ylabel("request")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _report_md(result: dict) -> str:
    levels, a = result["search"]["levels"], result["ask"]
    s = result["search"]
    m = result["machine"]
    lines = [
        "# Load benchmark: the REST service on loopback",
        "",
        f"Command: `{result['command']}` (repo root, ../shared beside it), measured at commit "
        f"{result['measured_at_commit']} on {m['cpus']} CPU cores (load average {m['load_avg_at_start']} "
        "at start: the machine is shared, so absolute figures are pessimistic). A real "
        f"`docnav serve` (uvicorn, 1 worker) over {result['store']['documents']} FinanceBench "
        f"filings ({result['store']['index']}); clients are httpx async on 127.0.0.1.",
        "",
        f"## /v1/search, mode bm25, k={s['k']} ({s['queries']}; {s['requests_per_level']} "
        f"requests per level, time cap {s['time_cap_s']:.0f} s)",
        "",
        "| clients | requests | req/s | p50 ms | p95 ms | p99 ms | handler p50 ms | errors | hit time cap |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for lv in levels:
        lines.append(
            f"| {lv['clients']} | {lv['requests']} | {lv['throughput_rps']} | {lv['p50_ms']} | "
            f"{lv['p95_ms']} | {lv['p99_ms']} | {lv['server_handler_p50_ms']} | {lv['errors']} | "
            f"{'yes' if lv['hit_time_cap'] else 'no'} |"
        )
    b = s["in_process_baseline"]
    one = levels[0]
    lines += [
        "",
        f"Baseline in the same run: the same queries through `Engine.search` in one process, "
        f"no HTTP ({b['searches']} searches): {b['throughput_rps']} searches/s, p50 {b['p50_ms']} ms, "
        f"p95 {b['p95_ms']} ms, p99 {b['p99_ms']} ms. At 1 client the service reaches "
        f"{one['throughput_rps'] / b['throughput_rps']:.2f}x the in-process throughput "
        f"(p50 {one['p50_ms'] / b['p50_ms']:.2f}x the in-process p50). Of a 1-client request's "
        f"p50 {one['p50_ms']} ms, {one['server_handler_p50_ms']} ms (p50) is spent in the "
        "handler (thread hop, index lock, Engine.search); the rest is HTTP, ~24 KB of JSON per "
        "response (10 hits with their chunk text) and the client, which shares the same cores.",
        "",
        "Engine.search runs one at a time inside the server (the corpus index is rebuilt in "
        "place when the catalog changes, so one lock guards it). From 1 to "
        f"{levels[1]['clients']} clients throughput goes {levels[1]['throughput_rps'] / one['throughput_rps']:.2f}x "
        "(HTTP and JSON work of one request overlaps the locked search of another); from "
        f"{levels[1]['clients']} to {levels[-1]['clients']} clients it goes "
        f"{levels[-1]['throughput_rps'] / levels[1]['throughput_rps']:.2f}x: more clients queue "
        "(p99 grows with the queue) and errors stay at "
        f"{sum(lv['errors'] for lv in levels)}. For more throughput run `--workers N` "
        "(each worker has its own index copy in memory).",
        "",
        "Server RSS (MB): "
        + ", ".join(f"{k} {v}" for k, v in result["rss_mb"])
        + f". Errors in the second pass: {s['second_pass_errors']}.",
        "",
        f"## /v1/ask: {a['burst']} questions at once, {a['ask_concurrency']} slots, "
        f"ask_queue_wait_s={a['ask_queue_wait_s']}",
        "",
    ]
    if a["engine_ask"] == "stub":
        lines += [
            f"Engine.ask was a **stub** taking {a['stub_seconds']} s (the real agent needs an LLM; "
            "re-run with `docnav bench load --ask real` once it is configured). The stub shows the "
            "limiter, not model latency.",
            "",
        ]
    lines += [
        "| request | status | seconds | Retry-After | code |",
        "| ---: | ---: | ---: | ---: | --- |",
    ]
    for b in a["requests"]:
        lines.append(
            f"| {b['i']} | {b['status']} | {b['seconds']} | {b['retry_after'] or ''} | {b['code'] or ''} |"
        )
    lines += [
        "",
        f"Outcome: {a['outcomes']}. Up to {a['ask_concurrency']} questions run at once; a question "
        f"that finds every slot busy waits up to {a['ask_queue_wait_s']} s for one (and is answered "
        "if one frees in time), otherwise it gets 503 with `Retry-After`. A slot is freed only when "
        "the agent thread ends, so timed-out or abandoned questions never let more LLM work run.",
        "",
        "![load](load.png)",
    ]
    return "\n".join(lines) + "\n"
