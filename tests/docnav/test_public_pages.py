"""One page convention across the public surfaces (issue 24): the Python API (``Engine``), REST
(a real uvicorn on 127.0.0.1) and the CLI's JSON give the same 1-based page numbers under the
same field names for the same store; ``page_text(doc, 1)`` is the first page; page 0 and page
n+1 are a clear error naming 1..n; a ticker filter finds a company's filing printed without
one. A real store: the samples shipped in the repo and a 10-K without a ticker (BM25 only)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from docnav.engine import Engine
from docnav.errors import NotFoundError
from docnav.retrieval.index import SearchFilters
from tests.docnav.test_cli_output import APPLE, BUCKLE_10K, SAMPLES, run
from tests.serving.conftest import make_settings
from tests.serving.test_openai_api import Uvicorn

QUERY = "share repurchase program"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("public-pages")
    (tmp / "buckle-10k-2024.txt").write_text(BUCKLE_10K)
    h = tmp / "home"
    run("ingest", str(SAMPLES), str(tmp / "buckle-10k-2024.txt"), home=h)
    return h


@pytest.fixture(scope="module")
def engine(home: Path) -> Engine:
    return Engine(make_settings(home))


@pytest.fixture(scope="module")
def api(engine: Engine) -> Iterator[httpx.Client]:
    srv = Uvicorn(engine)
    with httpx.Client(base_url=srv.url, timeout=120) as c:
        yield c
    srv.stop()


def _pages(hits: list[dict]) -> list[tuple]:
    return [(h["doc_id"], h["chunk_id"], h["page_start"], h["page_end"], h["page"]) for h in hits]


def test_search_pages_are_the_same_from_python_rest_and_cli(
    engine: Engine, api: httpx.Client, home: Path
) -> None:
    res = engine.search(QUERY, mode="bm25", k=5)
    py = _pages([h.model_dump() for h in res.hits])
    assert py and all(1 <= h.page_start <= h.page_end for h in res.hits)
    rest = api.post("/v1/search", json={"query": QUERY, "mode": "bm25", "k": 5})
    assert rest.status_code == 200, rest.text
    cli = json.loads(run("search", QUERY, "--mode", "bm25", "-k", "5", "--json", home=home).stdout)
    assert _pages(rest.json()["hits"]) == py == _pages(cli["hits"])
    assert [p.page for p in res.pages] == [p["page"] for p in cli["pages"]]
    # the page a hit names is the page every surface reads: its words are on it
    top = res.hits[0]
    text = engine.page_text(top.doc_id, top.page_start)
    assert api.get(f"/v1/documents/{top.doc_id}/pages/{top.page_start}").json()["text"] == text
    assert " ".join(top.text.split()[:4]) in " ".join(
        " ".join(engine.page_text(top.doc_id, p) for p in (top.page_start, top.page_end)).split()
    )


def test_outline_pages_are_the_same_from_python_rest_and_cli(
    engine: Engine, api: httpx.Client, home: Path
) -> None:
    py = [(e.id, e.path, e.page_start, e.page_end) for e in engine.outline(APPLE)]
    rest = api.get(f"/v1/documents/{APPLE}").json()["outline"]
    cli = json.loads(run("outline", APPLE, "--json", home=home).stdout)
    for other in (rest, cli):
        assert [(e["id"], e["path"], e["page_start"], e["page_end"]) for e in other] == py
    assert py[0][2] == 1  # the cover is page 1
    item7 = next(e for e in engine.outline(APPLE) if e.label == "Item 7")
    assert "Item 7." in engine.page_text(APPLE, item7.page_start)
    a, b = item7.page_start, item7.page_end
    assert item7.page_label == (f"p. {a}" if a == b else f"pp. {a}-{b}")  # as the tree prints


def test_page_text_is_1_based_and_names_the_range(engine: Engine, api: httpx.Client) -> None:
    n = engine.document(APPLE).n_pages
    first = engine.page_text(APPLE, 1)
    assert first == engine.store.page_text(APPLE, 0)  # the store's index 0
    assert engine.page_text(APPLE, n) == engine.store.page_text(APPLE, n - 1)
    for bad in (0, n + 1, -1):
        with pytest.raises(NotFoundError, match=f"has pages 1-{n}; there is no page {bad}$"):
            engine.page_text(APPLE, bad)
        r = api.get(f"/v1/documents/{APPLE}/pages/{bad}")
        assert r.status_code == 404 and f"has pages 1-{n}" in r.json()["error"]["message"]
    assert api.get(f"/v1/documents/{APPLE}/pages/1").json()["text"] == first


def test_page_zero_from_the_cli_names_the_range(engine: Engine, home: Path) -> None:
    n = engine.document(APPLE).n_pages
    proc = run("page", APPLE, "0", home=home, check=False)
    assert proc.returncode == 1 and f"has pages 1-{n}; there is no page 0" in proc.stderr


def test_a_ticker_filter_finds_the_filing_printed_without_one(
    engine: Engine, api: httpx.Client
) -> None:
    assert not engine.store.get_document("buckle-10k-2024").meta.ticker  # its cover has none
    q = "casual apparel footwear retailer"
    py = {h.doc_id for h in engine.search(q, mode="bm25", filters=SearchFilters(ticker="bke")).hits}
    body = {"query": q, "mode": "bm25", "filters": {"ticker": "BKE"}}
    rest = {h["doc_id"] for h in api.post("/v1/search", json=body).json()["hits"]}
    assert "buckle-10k-2024" in py and py == rest
    assert py <= {"BuckleInc.8-K", "BuckleInc.8-K.EX99.1", "buckle-10k-2024"}
    # a ticker narrowed further by doc ids (or names) keeps only those
    scoped = SearchFilters(ticker="BKE", doc_ids=["buckle-10k-2024"])
    assert {h.doc_id for h in engine.search(q, mode="bm25", filters=scoped).hits} == {
        "buckle-10k-2024"
    }
    nobody = SearchFilters(ticker="ZZZZ")
    assert engine.search(q, mode="bm25", filters=nobody).hits == []
