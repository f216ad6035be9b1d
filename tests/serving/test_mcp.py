"""`docnav mcp` driven by the official MCP SDK's own client: over stdio (the client starts
`docnav mcp` as a subprocess, as Claude Desktop or an IDE would) and over streamable HTTP on
127.0.0.1 behind the REST API's key rule; on a real store of two FinanceBench filings."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from docnav.engine import Engine
from docnav.mcp_server import TOOL_NAMES, http_app, mcp_tools
from tests.serving.conftest import make_settings
from tests.serving.test_e2e import free_port

pytestmark = pytest.mark.shared
DOCNAV = Path(sys.executable).with_name("docnav")
TENQ = "BESTBUY_2024Q2_10Q"


def stdio_params(home: Path, *args: str, **env: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=str(DOCNAV),
        args=["mcp", "--home", str(home), *args],
        env={"DOCNAV_HOME": str(home), "PATH": os.environ.get("PATH", ""), **env},
    )


def text_of(result) -> str:
    return "\n".join(c.text for c in result.content if getattr(c, "type", "") == "text")


async def _session(client_source, calls: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    async with Client(client_source, read_timeout_seconds=600) as c:
        out["tools"] = (await c.list_tools()).tools
        out["calls"] = [await c.call_tool(name, args) for name, args in calls]
    return out


def test_stdio_tools_from_the_sdk_client(served_home: Path):
    calls = [
        ("list_documents", {}),
        ("outline", {"doc": TENQ}),
        ("read_pages", {"doc": TENQ, "start": 3, "end": 4}),
        ("search", {"query": "comparable sales", "mode": "bm25", "k": 3, "doc": TENQ}),
        ("grep", {"pattern": "comparable sales", "doc": TENQ, "max_matches": 5}),
        ("read_section", {"doc": TENQ, "section": "Item 2"}),
        # confinement: model text never becomes a path; errors come back as tool errors
        ("read_pages", {"doc": "../../../../etc/passwd", "start": 1}),
        ("grep", {"pattern": "root:", "doc": "/etc/passwd"}),
        ("read_pages", {"doc": TENQ, "start": 999}),
        ("read_pages", {"doc": TENQ}),
        ("no_such_tool", {}),
    ]
    out = anyio.run(_session, stdio_params(served_home, "--no-ask"), calls)
    tools = {t.name: t for t in out["tools"]}
    expected = [t.name for t in mcp_tools()]  # facts joins where this build has it
    assert list(tools) == expected and set(TOOL_NAMES) <= set(tools) and "ask" not in tools
    by_class = {t.name: t for t in mcp_tools()}
    for name, t in tools.items():  # one adapter: the Tool classes' own docstrings and schemas
        assert t.description == by_class[name].description()
        assert t.input_schema == by_class[name].parameters()
        assert t.annotations.read_only_hint is True and t.annotations.destructive_hint is False

    docs, outline, pages, search, grep, section, escape, escape2, past, bad, unknown = out["calls"]
    n_pages = 30
    assert not docs.is_error and TENQ in text_of(docs) and "AMCOR_2023Q4_EARNINGS" in text_of(docs)
    assert "1-based" in text_of(outline) and not outline.is_error
    # pages shown and recorded 1-based: start=3 is page file 0002
    assert text_of(pages).startswith(f"{TENQ} pages 3-4 of {n_pages} (1-based)")
    assert [p["page"] for p in pages.structured_content["pages_read"]] == [3, 4]
    hits = search.structured_content["pages_read"]
    assert hits and all(h["doc_id"] == TENQ and 1 <= h["page"] <= n_pages for h in hits)
    assert "comparable sales" in text_of(search).lower()
    g = text_of(grep)
    assert not grep.is_error and "comparable sales" in g.lower()
    grep_pages = [p["page"] for p in grep.structured_content["pages_read"]]
    assert grep_pages and all(1 <= p <= n_pages for p in grep_pages)
    assert all(f"p. {p}" in g or f"page {p}" in g for p in grep_pages[:1])
    assert not section.is_error and "1-based" in text_of(section)
    for r in (escape, escape2):
        assert r.is_error and "root:" not in text_of(r) and "no document" in text_of(r)
    assert past.is_error and "pages 1-30" in text_of(past)
    assert bad.is_error and "start" in text_of(bad)
    assert unknown.is_error and "no tool 'no_such_tool'" in text_of(unknown)


def test_stdio_facts_when_built(served_home: Path):
    if "facts" not in [t.name for t in mcp_tools()]:
        pytest.skip("this build has no facts tool")
    calls = [("facts", {"metric": "net sales", "doc_id": TENQ}), ("facts", {"metric": "x"})]
    out = anyio.run(_session, stdio_params(served_home, "--no-ask"), calls)
    facts, bad = out["calls"]
    assert not facts.is_error, text_of(facts)
    assert all(1 <= p["page"] <= 30 for p in facts.structured_content["pages_read"])
    assert bad.is_error and "doc_id or company" in text_of(bad)


class _Uvicorn:
    """A real uvicorn server for an ASGI app on 127.0.0.1 in this process."""

    def __init__(self, app) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None)
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> _Uvicorn:
        self.thread.start()
        end = time.monotonic() + 30
        while not self.server.started and time.monotonic() < end:
            time.sleep(0.05)
        assert self.server.started
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(15)


def test_streamable_http_with_api_key(served_home: Path):
    engine = Engine(make_settings(served_home, api_keys="k-123,k-456"))
    with _Uvicorn(http_app(engine, ask=False)) as srv:
        url = f"{srv.url}/mcp"
        init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}
        accept = {"Accept": "application/json, text/event-stream"}
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "k-123"}):
            r = httpx.post(url, json=init, headers={**accept, **headers}, timeout=30)
            assert r.status_code == 401, r.text
            err = r.json()["error"]
            assert err["code"] == "unauthorized" and "Bearer" in err["message"]
            assert err["request_id"] and r.headers["x-request-id"] == err["request_id"]
            assert r.headers["www-authenticate"] == "Bearer"

        async def with_key() -> dict[str, Any]:
            http = create_mcp_http_client(headers={"Authorization": "Bearer k-456"})
            async with http:
                transport = streamable_http_client(url, http_client=http)
                return await _session(
                    transport,
                    [
                        ("list_documents", {"form": "10-Q"}),
                        ("read_pages", {"doc": TENQ, "start": 1}),
                    ],
                )

        out = anyio.run(with_key)
    assert [t.name for t in out["tools"]] == [t.name for t in mcp_tools()]
    docs, page = out["calls"]
    assert TENQ in text_of(docs) and "AMCOR" not in text_of(docs)
    assert page.structured_content["pages_read"] == [{"doc_id": TENQ, "page": 1}]


def test_http_refuses_an_open_bind_without_keys(served_home: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCNAV_API_KEY")}
    r = subprocess.run(
        [str(DOCNAV), "mcp", "--http", "--host", "0.0.0.0", "--home", str(served_home)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1 and "refusing to bind 0.0.0.0 without API keys" in r.stderr


def test_stdio_ask_with_the_llm_down_is_a_tool_error(served_home: Path):
    """ask with an OpenAI-compatible backend that is not there (a closed port): an error
    result with the client-safe message, no backend URL, no made-up answer."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    params = stdio_params(
        served_home,
        DOCNAV_LLM_BACKEND="openai",
        DOCNAV_LLM_BASE_URL=f"http://127.0.0.1:{dead}/v1",
        DOCNAV_LLM_MODEL="qwen",
        DOCNAV_LLM_MAX_RETRIES="0",
        DOCNAV_RAG_MODE="bm25",
    )
    calls = [("ask", {"question": "What was Amcor's net sales in fiscal 2023?", "mode": "rag"})]
    (res,) = anyio.run(_session, params, calls)["calls"]
    text = text_of(res)
    assert res.is_error and "language model backend is unavailable" in text, text
    assert "127.0.0.1" not in text and "http" not in text


@pytest.mark.slow
def test_stdio_ask_gives_a_cited_answer_with_the_small_model(
    served_home: Path, small_gguf: Path, llama_cpp_installed: None
):
    """ask over MCP with the real embedded 0.5B model (rag mode): the answer text carries
    numbered sources with 1-based pages and what was checked, the structured result the
    Answer JSON."""
    params = stdio_params(
        served_home,
        DOCNAV_LLM_MODEL=str(small_gguf),
        DOCNAV_LLM_CTX="8192",
        DOCNAV_RAG_MODE="bm25",
        DOCNAV_RAG_K="3",
        DOCNAV_LLM_MAX_NEW_TOKENS="300",
    )
    # a question the 0.5B model answers with a citation (greedy decoding: the same each run)
    q = "What was Amcor's net sales in fiscal 2023?"
    out = anyio.run(_session, params, [("ask", {"question": q, "mode": "rag"})])
    assert "ask" in [t.name for t in out["tools"]]
    (res,) = out["calls"]
    assert not res.is_error, text_of(res)
    answer = res.structured_content
    assert answer["mode"] == "rag" and answer["answer"]
    text = text_of(res)
    assert text.startswith(answer["answer"].strip()[:40])
    cites = answer["citations"]
    assert cites, text  # rag cites the passages it was shown
    for i, c in enumerate(cites, 1):
        assert c["doc_id"] == "AMCOR_2023Q4_EARNINGS" and 1 <= c["page"] <= 14
        check = f"quote found, p. {c['page']}" if c["verified"] else "quote not found"
        assert f"[{i}] " in text and check in text
    assert "✓" not in text
