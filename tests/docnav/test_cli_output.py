"""The `docnav` console script's output as scripts and pipes see it (issue 24 items 3, 4, 6):
1-based pages in every JSON and TSV output, tab-separated lines when stdout is a pipe, `page`
exactly as stored, clear ambiguous-reference errors, tickers shared across a company's
filings, `ask --json` progress on stderr, and product commands that import no benchmark or
model stack. The real console script in a subprocess, on the samples shipped in the repo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "docnav" / "data" / "samples"
DOCNAV = Path(sys.executable).with_name("docnav")
APPLE = "aapl-10-k-2024-11-01"
# a 10-K whose cover prints no trading symbol; the company's 8-K in the samples carries BKE
BUCKLE_10K = """UNITED STATES
SECURITIES AND EXCHANGE COMMISSION
Washington, D.C. 20549

FORM 10-K

ANNUAL REPORT PURSUANT TO SECTION 13 OR 15(d) OF THE SECURITIES EXCHANGE ACT OF 1934
For the fiscal year ended February 1, 2025

Commission File Number 001-12951

THE BUCKLE, INC.
(Exact name of registrant as specified in its charter)

Item 1. Business
The Buckle, Inc. is a retailer of casual apparel, footwear and accessories.
"""


# BM25 is enough here: no embeddings at ingest, no edgartools cross-check (minutes on a busy CPU)
FAST_INGEST = {"DOCNAV_INGEST_EMBED": "false", "DOCNAV_INGEST_EDGARTOOLS_CHECK": "false"}


def run(*args: str, home: Path, env: dict[str, str] | None = None, check: bool = True):
    full = {**os.environ, "DOCNAV_HOME": str(home), **FAST_INGEST, **(env or {})}
    proc = subprocess.run(
        [str(DOCNAV), *args], capture_output=True, text=True, env=full, timeout=600
    )
    if check:
        assert proc.returncode == 0, proc.stderr + proc.stdout
    return proc


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("cli-output")
    (tmp / "buckle-10k-2024.txt").write_text(BUCKLE_10K)
    h = tmp / "home"
    run("ingest", str(SAMPLES), str(tmp / "buckle-10k-2024.txt"), home=h)
    return h


def tsv(text: str) -> list[dict[str, str]]:
    head, *rows = text.splitlines()
    cols = head.split("\t")
    return [dict(zip(cols, r.split("\t"), strict=True)) for r in rows]


def test_outline_pages_are_1_based_in_json_and_tsv(home: Path) -> None:
    entries = json.loads(run("outline", APPLE, "--json", home=home).stdout)
    item7 = next(e for e in entries if e["label"] == "Item 7")
    # page_start is the page `docnav page` prints with the section's heading on it
    text = run("page", APPLE, str(item7["page_start"]), home=home).stdout
    assert "Item 7." in text and "Management" in text
    rows = {r["id"]: r for r in tsv(run("outline", APPLE, home=home).stdout)}
    assert all(
        (int(rows[e["id"]]["page_start"]), int(rows[e["id"]]["page_end"]))
        == (e["page_start"], e["page_end"])
        for e in entries
    )
    assert entries[0]["page_start"] == 1  # the cover is page 1, not 0


def test_search_pages_are_1_based_and_hold_the_hit(home: Path) -> None:
    res = json.loads(
        run(
            "search", "share repurchase program", "--mode", "bm25", "-k", "3", "--json", home=home
        ).stdout
    )
    assert res["hits"]
    for h in res["hits"]:
        pages = "".join(
            run("page", h["doc_id"], str(p), home=home).stdout
            for p in range(h["page_start"], h["page_end"] + 1)
        )
        words = " ".join(h["text"].split()[:6])
        assert words in " ".join(pages.split()), (h["page_start"], words)
        assert h["page"] is None or h["page_start"] <= h["page"] <= h["page_end"]
    assert all(p["page"] >= 1 for p in res["pages"])
    rows = tsv(
        run("search", "share repurchase program", "--mode", "bm25", "-k", "3", home=home).stdout
    )
    assert [(r["doc_id"], int(r["page_start"])) for r in rows] == [
        (h["doc_id"], h["page_start"]) for h in res["hits"]
    ]


def test_facts_page_is_1_based(home: Path) -> None:
    rows = json.loads(
        run("facts", APPLE, "--metric", "net sales", "-k", "1", "--json", home=home).stdout
    )
    assert rows, "the Apple 10-K has statement facts"
    page = run("page", APPLE, str(rows[0]["page"]), home=home).stdout
    assert "CONSOLIDATED STATEMENTS OF OPERATIONS" in page.upper()
    lines = tsv(run("facts", APPLE, "--metric", "net sales", "-k", "1", home=home).stdout)
    assert {int(r["page"]) for r in lines} == {rows[0]["page"]}


def test_piped_output_is_tab_separated_and_format_chooses(home: Path) -> None:
    out = run("documents", home=home).stdout  # stdout is a pipe here
    docs = tsv(out)
    assert {d["doc_id"] for d in docs} >= {APPLE, "buckle-10k-2024"}
    assert all(len(line.split("\t")) == 7 for line in out.splitlines())
    table = run("documents", "--format", "table", home=home).stdout
    assert "documents in" in table and "\t" not in table
    assert json.loads(run("documents", "--format", "json", home=home).stdout)
    for bad in (("--format", "xml"), ("--json", "--format", "tsv")):
        proc = run("documents", *bad, home=home, check=False)
        assert proc.returncode == 1 and "error:" in proc.stderr and not proc.stdout


def test_page_prints_the_stored_text_unwrapped(home: Path) -> None:
    from docnav.engine import Engine
    from docnav.settings import Settings

    stored = Engine(Settings(home=home)).page_text(APPLE, 30)
    assert max(len(line) for line in stored.splitlines()) > 100  # table rows wider than 80
    out = run("page", APPLE, "30", home=home, env={"COLUMNS": "40"}).stdout
    assert out.rstrip("\n") == stored.rstrip("\n")


def test_ambiguous_reference_names_every_match(home: Path) -> None:
    proc = run("outline", "BuckleInc", home=home, check=False)
    assert proc.returncode == 1
    line = proc.stderr.strip()
    assert line.startswith("error: ambiguous:"), line
    assert "BuckleInc.8-K" in line and "BuckleInc.8-K.EX99.1" in line
    bad_page = run("page", APPLE, "999", home=home, check=False)
    assert bad_page.returncode == 1 and "no page 999" in bad_page.stderr


def test_a_filing_without_a_ticker_shares_its_companys(home: Path) -> None:
    docs = json.loads(run("documents", "--ticker", "bke", "--json", home=home).stdout)
    by_id = {d["doc_id"]: d["meta"]["ticker"] for d in docs}
    assert by_id == {
        "BuckleInc.8-K": "BKE",
        "BuckleInc.8-K.EX99.1": "BKE",
        "buckle-10k-2024": "BKE",
    }
    only_10k = tsv(run("documents", "--ticker", "BKE", "--form", "10-K", home=home).stdout)
    assert [d["doc_id"] for d in only_10k] == ["buckle-10k-2024"]
    hits = json.loads(
        run(
            "search",
            "casual apparel retailer",
            "--ticker",
            "BKE",
            "--mode",
            "bm25",
            "--json",
            home=home,
        ).stdout
    )["hits"]
    assert "buckle-10k-2024" in {h["doc_id"] for h in hits}
    assert {h["doc_id"] for h in hits} <= set(by_id)


HEAVY = ("docnav.bench", "matplotlib", "torch", "sentence_transformers", "fastapi", "uvicorn")
AGENT = ("langgraph", "langchain_core", "docnav.agent.loop")


def imported_by(args: list[str], home: Path) -> set[str]:
    code = (
        "import sys\nfrom docnav.cli import app\n"
        f"try:\n    app({args!r}, prog_name='docnav')\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted(sys.modules)), file=sys.stderr)"
    )
    env = {**os.environ, "DOCNAV_HOME": str(home)}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )
    return set(proc.stderr.strip().splitlines()[-1].split())


def test_documents_imports_no_benchmark_or_model_stack(home: Path) -> None:
    mods = imported_by(["documents", "--json"], home)
    assert not mods & set(HEAVY), mods & set(HEAVY)
    bench = imported_by(["bench", "--help"], home)
    assert "docnav.bench" in bench  # the sub-app loads when asked for, and only then


def test_documents_imports_no_agent_stack(home: Path) -> None:
    mods = imported_by(["documents", "--json"], home)
    assert not mods & set(AGENT), mods & set(AGENT)


def test_python_m_docnav_cli_finds_every_command(home: Path) -> None:
    for cmd in ("ask", "demo", "synth", "documents"):
        proc = subprocess.run(
            [sys.executable, "-m", "docnav.cli", cmd, "--help"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0 and "Usage: docnav " + cmd in proc.stdout, proc.stderr


# -- ask --json: progress on stderr, one JSON document on stdout --------------------------------

FINAL = {
    "answer": "Revenue was $391,035 million.",
    "value": 391035,
    "unit": "USD millions",
    "citations": [],
    "confidence": "low",
}


@pytest.fixture
def llm_stub() -> Iterator[str]:
    """An OpenAI-compatible server on 127.0.0.1 that answers every chat with final_answer."""

    class Handler(BaseHTTPRequestHandler):
        def _send(self, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802
            self._send({"object": "list", "data": [{"id": "stub", "object": "model"}]})

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("content-length", 0)))
            call = {
                "id": "c1",
                "type": "function",
                "function": {"name": "final_answer", "arguments": json.dumps(FINAL)},
            }
            self._send(
                {
                    "id": "x",
                    "object": "chat.completion",
                    "created": 0,
                    "model": "stub",
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "tool_calls",
                            "message": {"role": "assistant", "content": None, "tool_calls": [call]},
                        }
                    ],
                    "usage": {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19},
                }
            )

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_ask_json_streams_progress_to_stderr_and_one_document_to_stdout(
    home: Path, llm_stub: str
) -> None:
    env = {
        "DOCNAV_LLM_BACKEND": "openai",
        "DOCNAV_LLM_BASE_URL": llm_stub,
        "DOCNAV_LLM_MODEL": "stub",
        "DOCNAV_LLM_MAX_RETRIES": "0",
    }
    proc = run(
        "ask", "What was Apple's revenue?", "--mode", "closed-book", "--json", home=home, env=env
    )
    answer = json.loads(proc.stdout)  # the whole of stdout is one JSON document
    assert answer["mode"] == "closed-book" and "391,035" in answer["answer"]
    progress = proc.stderr.splitlines()
    assert any("loading openai model" in ln for ln in progress), proc.stderr
    assert any("answers" in ln for ln in progress), proc.stderr  # the answer step, as it came
