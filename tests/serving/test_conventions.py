"""The REST API's conventions against a real uvicorn on 127.0.0.1 over a real store (two
FinanceBench filings): one page numbering (a ``page_start`` is the n of ``/pages/{n}``), list
endpoints paged by an opaque cursor, unknown query parameters refused in the error format, and
the API docs served with no asset from outside this server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from docnav.engine import Engine
from docnav.serving.jobs import JobStore
from tests.serving.conftest import make_settings
from tests.serving.test_openai_api import Uvicorn

pytestmark = pytest.mark.shared
TENQ = "BESTBUY_2024Q2_10Q"


@pytest.fixture
def api(served_home: Path) -> Iterator[httpx.Client]:
    # five queued jobs already in the store's job table: /v1/jobs has pages to walk
    jobs = JobStore(served_home / "serving" / "jobs.sqlite")
    for i in range(5):
        jobs.create([str(served_home / f"missing-{i}.txt")])
    srv = Uvicorn(Engine(make_settings(served_home)))
    with httpx.Client(base_url=srv.url, timeout=60) as c:
        yield c
    srv.stop()


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _error(r: httpx.Response, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == code and err["message"] and err["request_id"], err
    return err


def test_section_page_start_is_the_page_to_fetch(api: httpx.Client) -> None:
    docs = api.get("/v1/documents").json()["documents"]
    doc = next(d for d in docs if d["name"] == TENQ)
    outline = api.get(f"/v1/documents/{doc['doc_id']}").json()["outline"]
    checked = 0
    for entry in outline:
        assert 1 <= entry["page_start"] <= entry["page_end"] <= doc["n_pages"], entry
        page = api.get(f"/v1/documents/{doc['doc_id']}/pages/{entry['page_start']}").json()
        assert page["page"] == entry["page_start"]
        # the heading the section was detected from is on its first page ("Cover" is a name
        # given to the first page, not a heading)
        title = _words(entry["title"])
        if title and entry["kind"] != "cover":
            assert title in _words(page["text"]), (entry, page["text"][:400])
            checked += 1
        section = api.get(f"/v1/documents/{doc['doc_id']}/sections/{entry['id']}").json()
        assert section["section"]["page_start"] == entry["page_start"]
        assert section["pages"][0]["page"] == entry["page_start"]
    assert checked >= 5, outline


def test_search_hit_pages_are_the_pages_to_fetch(api: httpx.Client) -> None:
    body = {"query": "comparable sales", "mode": "bm25", "k": 8}
    hits = api.post("/v1/search", json=body).json()["hits"]
    assert hits
    for h in hits:
        assert 1 <= h["page_start"] <= h["page_end"]
        if h["page"] is not None:
            assert h["page_start"] <= h["page"] <= h["page_end"], h
        text = " ".join(
            api.get(f"/v1/documents/{h['doc_id']}/pages/{p}").json()["text"]
            for p in range(h["page_start"], h["page_end"] + 1)
        )
        # the passage is on its pages: its first words on the first, all of it across them
        assert _words(h["text"])[:60] in _words(text), h
        first = api.get(f"/v1/documents/{h['doc_id']}/pages/{h['page_start']}").json()["text"]
        assert _words(h["text"]).split()[0] in _words(first).split(), h


def _walk(api: httpx.Client, path: str, key: str, limit: int) -> list[dict]:
    items, cursor, pages = [], None, 0
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        r = api.get(path, params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body[key]) <= limit
        items += body[key]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items
        assert pages < 50, "the cursor does not advance"


def test_list_endpoints_page_with_a_cursor(api: httpx.Client) -> None:
    docs = api.get("/v1/documents").json()
    assert docs["next_cursor"] is None and len(docs["documents"]) == 2
    walked = _walk(api, "/v1/documents", "documents", 1)
    assert walked == docs["documents"]  # the same items, once each, in the same order
    assert [d["doc_id"] for d in walked] == sorted(d["doc_id"] for d in walked)
    jobs = api.get("/v1/jobs").json()["jobs"]
    assert len(jobs) == 5
    walked_jobs = _walk(api, "/v1/jobs", "jobs", 2)
    assert [j["id"] for j in walked_jobs] == [j["id"] for j in jobs]  # newest first, all of them
    for bad in ("x", "not-a-cursor!", "W10", "WyJhIl0"):  # junk, [], ["a"] for jobs
        _error(api.get("/v1/jobs", params={"cursor": bad}), 422, "bad_cursor")
    _error(api.get("/v1/documents", params={"cursor": "W10"}), 422, "bad_cursor")
    _error(api.get("/v1/documents", params={"limit": 0}), 422, "validation")


def test_unknown_query_parameters_are_refused(api: httpx.Client) -> None:
    err = _error(api.get("/v1/documents", params={"limt": 5}), 422, "validation")
    assert err["details"] == [
        {"loc": ["query", "limt"], "msg": err["details"][0]["msg"], "type": "extra_forbidden"}
    ]
    assert "limit" in err["details"][0]["msg"] and "limt" in err["message"]
    _error(api.get("/v1/jobs", params={"status": "failed"}), 422, "validation")
    _error(api.get("/v1/documents/x/pages/1", params={"raw": 1}), 422, "validation")
    _error(api.post("/v1/search", params={"k": 5}, json={"query": "x"}), 422, "validation")
    _error(api.get("/v1/models", params={"x": 1}), 422, "validation")
    assert api.get("/v1/documents", params={"form": "10-Q", "limit": 5}).status_code == 200


def test_unknown_query_parameters_after_the_key_check(served_home: Path) -> None:
    srv = Uvicorn(Engine(make_settings(served_home, api_keys="k1")))
    try:
        r = httpx.get(f"{srv.url}/v1/documents", params={"limt": 5})
        _error(r, 401, "unauthorized")  # who asks is checked before what is asked
        r = httpx.get(
            f"{srv.url}/v1/documents", params={"limt": 5}, headers={"Authorization": "Bearer k1"}
        )
        _error(r, 422, "validation")
    finally:
        srv.stop()


class _Refs(HTMLParser):
    """Every src/href in a page, plus URL-looking strings in its inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]

    def handle_data(self, data: str) -> None:
        self.urls += re.findall(r"""['"]((?:https?:)?//[^'"]+|/[\w./-]+)['"]""", data)


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_api_docs_load_nothing_from_outside(api: httpx.Client, path: str) -> None:
    r = api.get(path)
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    refs = _Refs()
    refs.feed(r.text)
    assert refs.urls, r.text
    outside = [u for u in refs.urls if re.match(r"(https?:)?//", u)]
    assert not outside, outside
    assets = [u for u in refs.urls if u.endswith((".js", ".css", ".png", ".json"))]
    assert any(u.endswith(".js") for u in assets), refs.urls
    for url in assets:
        got = api.get(url)
        assert got.status_code == 200 and len(got.content) > 100, (url, got.status_code)


def test_mcp_tools_number_pages_as_rest_does(api: httpx.Client, served_home: Path) -> None:
    """The MCP outline's "p. N" for each section is REST's page_start, and read_section's first
    page read is it too (the MCP SDK's client, in process)."""
    import anyio
    from mcp import Client

    from docnav.mcp_server import build_server

    doc = next(d for d in api.get("/v1/documents").json()["documents"] if d["name"] == TENQ)
    rest = {e["id"]: e for e in api.get(f"/v1/documents/{doc['doc_id']}").json()["outline"]}
    labelled = [e for e in rest.values() if e["label"] and e["kind"] == "note"][:3]

    async def session() -> tuple[str, list]:
        engine = Engine(make_settings(served_home))
        async with Client(build_server(engine, ask=False)) as c:
            outline = await c.call_tool("outline", {"doc": TENQ})
            reads = [
                await c.call_tool("read_section", {"doc": TENQ, "section": e["id"]})
                for e in labelled
            ]
        return "\n".join(x.text for x in outline.content), reads

    text, reads = anyio.run(session)
    shown = {
        m["id"]: int(m["first"])
        for m in re.finditer(r"^\s*(?P<id>s\d{4}) .* — pp?\. (?P<first>\d+)", text, re.M)
    }
    assert shown and shown == {i: e["page_start"] for i, e in rest.items()}, text
    assert labelled
    for e, r in zip(labelled, reads, strict=True):
        assert not r.is_error, r
        assert r.structured_content["pages_read"][0]["page"] == e["page_start"]
