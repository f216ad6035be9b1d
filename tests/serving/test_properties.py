"""Property tests of the REST API with Hypothesis, over the real app and a real store:
document references, upload names, search and ask bodies, and a stateful run through
upload -> job -> document -> page -> delete. schemathesis (tests/serving/test_fuzz.py)
fuzzes every operation from the OpenAPI schema; these say what the answers must be.

Every property also checks the error contract: a non-2xx answer is ``{"error": {code,
message, request_id}}`` and no answer is a 500. Example counts are small (2 shared CPU
cores); ``DOCNAV_PROPERTY_EXAMPLES`` raises them for a longer run."""

from __future__ import annotations

import json
import os
import socket
import string
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    multiple,
    rule,
)

from docnav.serving.uploads import sanitize_filename

pytestmark = pytest.mark.shared
EXAMPLES = int(os.environ.get("DOCNAV_PROPERTY_EXAMPLES", "25"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),  # a function-scoped client is shared on purpose
)


def error_body(r, *statuses: int) -> dict:
    """The documented error body, with one of ``statuses``; never a 500."""
    assert r.status_code in statuses, (r.status_code, r.text[:500])
    body = r.json()
    assert set(body) == {"error"}, body
    err = body["error"]
    assert err["code"] and err["message"] and err["request_id"] == r.headers["x-request-id"]
    return err


# -- strategies -------------------------------------------------------------------------------
# text a JSON body may carry, lone surrogates included (they must be refused with a 422)
any_text = st.text(st.characters(codec=None), max_size=40)
url_text = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30)
WILDCARDS = "%_*?[]^$.\\'\""


def document_refs(ids: list[str], names: list[str]) -> st.SearchStrategy[str]:
    """Real ids and names, their prefixes, and the same with SQL LIKE / glob wildcards
    mixed in (issue 20 item 4: '3_' must not find '3M'), plus arbitrary text."""
    real = st.sampled_from(ids + names)
    prefix = st.sampled_from(ids).flatmap(lambda i: st.integers(1, len(i)).map(lambda n: i[:n]))
    inserts = st.lists(st.tuples(st.integers(0, 40), st.sampled_from("%_")), min_size=1, max_size=3)
    wild = st.tuples(st.one_of(real, prefix), inserts).map(lambda t: _insert(*t))
    odd = st.text(
        st.sampled_from(string.ascii_letters + string.digits + WILDCARDS + "-é字 "),
        min_size=1,
        max_size=12,
    )
    return st.one_of(real, prefix, wild, odd, url_text)


def _insert(ref: str, inserts: list[tuple[int, str]]) -> str:
    for pos, ch in inserts:  # replace or insert a wildcard character
        pos %= len(ref) + 1
        ref = (
            ref[:pos] + ch + ref[pos + 1 :]
            if pos < len(ref) and pos % 2
            else ref[:pos] + ch + ref[pos:]
        )
    return ref


def upload_names() -> st.SearchStrategy[str]:
    """What a client may put in a multipart filename: traversal, separators, dots, control
    and non-ASCII characters, very long names."""
    parts = st.sampled_from(
        [
            "..",
            ".",
            "/",
            "\\",
            "~",
            "C:",
            "%2e%2e",
            "\x00",
            " ",
            "\n",
            "etc",
            "passwd",
            ".pdf",
            ".txt",
            ".html",
            "名前",
            "ﬁ",
        ]
    )
    glued = st.lists(parts, max_size=8).map("".join)
    long = st.integers(200, 400).map(lambda n: "a" * n + ".txt")
    return st.one_of(
        glued, long, st.text(max_size=60), st.text(max_size=5).map(lambda s: s + ".txt")
    )


# well-formed values (most examples should get past validation and exercise the service)
clean_text = st.one_of(
    st.sampled_from(["net sales", "revenue", "inventories", "comparable sales", "Item 7"]),
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40),
)
GOOD_FILTERS = st.fixed_dictionaries(
    {},
    optional={
        "company": st.sampled_from(["Best Buy", "Amcor", "nobody", "%", "_"]),
        "form": st.sampled_from(["10-K", "10-Q", "10q", "8-K", "EARNINGS"]),
        "year_min": st.integers(2015, 2026),
        "year_max": st.integers(2015, 2026),
    },
)
# hostile values: wrong types, out of range, lone surrogates, unknown keys
BAD_FILTERS = st.fixed_dictionaries(
    {},
    optional={
        "company": any_text,
        "form": st.sampled_from(["", "x" * 30]),
        "year_min": st.integers(1800, 2300),
        "doc_ids": st.lists(any_text, max_size=3),
        "section_prefix": any_text,
    },
)
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    any_text,
    st.lists(st.integers(), max_size=2),
)


def hostile(valid: st.SearchStrategy[dict]) -> st.SearchStrategy[object]:
    """A valid body with one field set to junk or one unknown key added, or junk itself."""
    one_bad = st.tuples(
        valid,
        st.sampled_from(
            ["query", "question", "mode", "k", "filters", "pages", "stream", "options"]
        ),
        JUNK,
    )
    extra = st.tuples(valid, any_text, JUNK)
    return st.one_of(
        one_bad.map(lambda t: {**t[0], t[1]: t[2]}),
        extra.map(lambda t: {**t[0], t[1]: t[2]}),
        JUNK,
    )


def search_bodies() -> tuple[st.SearchStrategy[dict], st.SearchStrategy[object]]:
    """(well-formed bodies, which must be answered; rough ones, which must be refused cleanly
    or answered)."""
    valid = st.fixed_dictionaries(
        {"query": clean_text, "mode": st.just("bm25")},  # bm25: no embedding model load
        optional={
            "k": st.integers(1, 50),
            "fusion": st.sampled_from(["rrf", "weighted"]),
            "filters": GOOD_FILTERS,
        },
    )
    odd = st.fixed_dictionaries(
        {"query": any_text, "mode": st.just("bm25")},
        optional={"k": st.integers(-2, 120), "filters": BAD_FILTERS},
    )
    return valid, st.one_of(odd, hostile(valid))


def ask_bodies() -> st.SearchStrategy[object]:
    valid = st.fixed_dictionaries(
        {"question": clean_text},
        optional={
            "mode": st.sampled_from(["agent", "rag", "closed-book", "long-context", "oracle"]),
            "thread_id": st.from_regex(r"[A-Za-z0-9._:-]{1,20}", fullmatch=True),
            "filters": GOOD_FILTERS,
            "stream": st.booleans(),
        },
    )
    scoped = st.fixed_dictionaries(  # a filing named, pages for the oracle
        {
            "question": clean_text,
            "mode": st.sampled_from(["long-context", "oracle", "rag"]),
            "doc": st.sampled_from(["BESTBUY_2024Q2_10Q", "AMCOR_2023Q4_EARNINGS", "nope", "%"]),
        },
        optional={"pages": st.lists(st.integers(-3, 60), max_size=4)},
    )
    odd = st.fixed_dictionaries(
        {"question": any_text},
        optional={
            "doc": any_text,
            "thread_id": any_text,
            "filters": BAD_FILTERS,
            "mode": st.just("x"),
            "pages": st.lists(st.integers(), max_size=60),
        },
    )
    return st.one_of(valid, valid, scoped, odd, hostile(valid))


# -- document references -------------------------------------------------------------------------
def expected_match(ref: str, docs: list[dict]) -> tuple[int, str | None]:
    """The documented look-up, literally: doc_id, then name, then a unique doc_id prefix."""
    for hit in (
        [d for d in docs if d["doc_id"] == ref],
        [d for d in docs if d["name"] == ref],
        [d for d in docs if d["doc_id"].startswith(ref)],
    ):
        if len(hit) == 1:
            return 200, hit[0]["doc_id"]
        if hit:
            return 409, None
    return 404, None


def test_document_refs_match_literally(make_client) -> None:
    c = make_client()
    docs = c.get("/v1/documents").json()["documents"]
    refs = document_refs([d["doc_id"] for d in docs], [d["name"] for d in docs])

    @SETTINGS
    @given(ref=refs)
    def prop(ref: str) -> None:
        assume("/" not in ref and ref not in (".", ".."))  # a path segment, as clients send it
        r = c.get(f"/v1/documents/{quote(ref, safe='')}")
        status, doc_id = expected_match(ref, docs)
        if status == 200:
            assert r.status_code == 200, (ref, r.text[:300])
            assert r.json()["document"]["doc_id"] == doc_id
        else:
            error_body(r, status)
        page = c.get(f"/v1/documents/{quote(ref, safe='')}/pages/1")
        assert page.status_code == status or error_body(page, 404, 409)

    prop()


# -- upload names --------------------------------------------------------------------------------
@SETTINGS
@given(name=upload_names())
def test_sanitized_names_stay_in_the_folder(name: str) -> None:
    safe = sanitize_filename(name)
    assert safe and "/" not in safe and "\\" not in safe and "\x00" not in safe
    assert not safe.startswith(".") and safe not in (".", "..")
    assert len(safe) <= 111  # stem 100 + dot + suffix 10
    folder = Path("/srv/uploads")
    assert (folder / safe).parent == folder


def test_upload_names_over_http(make_client) -> None:
    c = make_client()
    upload_dir = c.app.state.service.upload_dir
    around = (upload_dir.parent, upload_dir.parent.parent)  # where "../x" would land
    before = [sorted(d.iterdir()) for d in around]

    @settings(SETTINGS, max_examples=max(5, EXAMPLES // 3))
    @given(name=upload_names())
    def prop(name: str) -> None:
        body = b"Revenue was $5 million in fiscal 2023.\n"  # plain text: accepted by content
        r = c.post("/v1/documents", files=[("files", (name, body, "text/plain"))])
        if r.status_code != 202:  # a name the HTTP layer cannot carry is refused cleanly
            error_body(r, 400, 413, 415, 422)
            return
        (saved,) = r.json()["inputs"]
        assert saved == Path(saved).name and not saved.startswith("."), saved
        assert (upload_dir / saved).is_file()

    prop()
    # nothing was written beside or above the upload folder, and no sub-folder inside it
    after = [sorted(d.iterdir()) for d in around]
    assert [set(a) - set(b) - {upload_dir} for a, b in zip(after, before, strict=True)] == [
        set(),
        set(),
    ]
    assert not [p for p in upload_dir.iterdir() if p.is_dir()]


# -- search bodies -------------------------------------------------------------------------------
def test_search_bodies(make_client) -> None:
    c = make_client(max_k=50)
    valid, rough = search_bodies()

    def check_hits(body: dict, out: dict) -> None:
        assert len(out["hits"]) <= body.get("k", 10) <= 50
        scores = [h["score"] for h in out["hits"]]
        assert scores == sorted(scores, reverse=True), scores  # ranked
        form = (body.get("filters") or {}).get("form")
        if form and out["hits"]:  # filters apply before ranking: every hit has the form
            norm = form.replace("-", "").upper()
            assert {(h["form"] or "").replace("-", "").upper() for h in out["hits"]} == {norm}

    @SETTINGS
    @given(body=valid)
    def well_formed(body: dict) -> None:
        r = post_json(c, "/v1/search", body)
        if not body["query"].strip():  # blank: a 400 that says so
            error_body(r, 400)
            return
        assert r.status_code == 200, (body, r.text[:300])
        check_hits(body, r.json())

    @SETTINGS
    @given(body=rough)
    def refused_or_answered(body: object) -> None:
        r = post_json(c, "/v1/search", body)
        if r.status_code != 200:
            error_body(r, 400, 422)
        else:
            assert isinstance(body, dict)
            check_hits(body, r.json())

    well_formed()
    refused_or_answered()


def post_json(c, path: str, body: object):
    """``body`` as JSON with \\u escapes, so lone surrogates travel as a hostile client would
    send them (an encoder that refuses them would hide the case)."""
    data = json.dumps(body).encode()
    return c.post(path, content=data, headers={"content-type": "application/json"})


# -- ask bodies: the real agent, the LLM server down ---------------------------------------------
def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ask_bodies_with_the_llm_down_are_errors_never_answers(make_client) -> None:
    port = _closed_port()
    url = f"http://127.0.0.1:{port}/v1"
    c = make_client(
        llm_backend="openai",
        llm_base_url=url,
        llm_model="any",
        llm_max_retries=0,
        rag_mode="bm25",
        wait=False,
    )
    end = time.monotonic() + 60  # ready but for the LLM, which is down on purpose
    while not c.get("/readyz").json()["checks"]["index"]["ok"] and time.monotonic() < end:
        time.sleep(0.05)

    @SETTINGS
    @given(body=ask_bodies())
    def prop(body: object) -> None:
        r = post_json(c, "/v1/ask", body)
        assert "127.0.0.1" not in r.text and f":{port}" not in r.text
        if r.status_code == 200:  # only a stream starts with 200; it must end in an error
            assert r.headers["content-type"].startswith("text/event-stream"), r.text[:300]
            events = [
                ln.split(":", 1)[1].strip() for ln in r.text.splitlines() if ln.startswith("event:")
            ]
            assert events and events[-1] == "error" and "answer" not in events, r.text[:500]
            return
        err = error_body(r, 400, 404, 409, 422, 502)
        if r.status_code == 502:
            assert err["code"] == "llm_unavailable"

    prop()


# -- stateful: upload -> job -> document -> page -> delete ----------------------------------------
def filing(i: int) -> tuple[str, bytes]:
    """A small text filing of its own company (distinct content, distinct identity)."""
    text = (
        f"COMPANY{i} HOLDINGS INC.\nFORM 10-K\nFor the fiscal year ended December 31, 2023\n\n"
        f"Item 7. Management's Discussion and Analysis\n\nNet sales were ${100 + i}.0 million "
        f"in fiscal 2023, up from ${90 + i}.0 million.\n"
    )
    return f"filing{i}.txt", text.encode()


@pytest.fixture
def api(make_client):
    return make_client()


class UploadJobDocumentPage(RuleBasedStateMachine):
    """A model of the catalog kept beside the real service: every acknowledged upload is
    there once its job succeeds, the same bytes again are "unchanged" under any name, a
    deleted document is gone, and a page exists exactly when 1 <= n <= n_pages."""

    client = None  # set by the test before the machine runs
    documents = Bundle("documents")

    @initialize()
    def start(self) -> None:
        self.known: dict[bytes, str] = {}  # content -> doc_id, for documents uploaded here
        self.pages: dict[str, int] = {}
        self.baseline = {d["doc_id"] for d in self.client.get("/v1/documents").json()["documents"]}

    def teardown(self) -> None:  # the next example starts from the same catalog
        for doc_id in list(getattr(self, "pages", {})):
            assert self.client.delete(f"/v1/documents/{doc_id}").status_code == 200

    # any name the strategy makes, ending so the text is accepted (a name without a text
    # suffix is a 415 by design: text is recognised by its suffix)
    @rule(target=documents, i=st.integers(0, 3), name=upload_names().map(lambda n: n + "_f.txt"))
    def upload(self, i: int, name: str):
        _, body = filing(i)
        r = self.client.post("/v1/documents", files=[("files", (name, body, "text/plain"))])
        if r.status_code != 202:
            error_body(r, 400, 422)
            return multiple()
        job = _wait(self.client, r.json()["id"])
        assert job["status"] == "succeeded", job
        (res,) = job["results"]
        expected = "unchanged" if body in self.known else "added"
        assert res["status"] == expected, (res, self.known)
        self.known[body] = res["doc_id"]
        doc = self.client.get(f"/v1/documents/{res['doc_id']}").json()["document"]
        self.pages[res["doc_id"]] = doc["n_pages"]
        return res["doc_id"]

    @rule(doc_id=documents, n=st.integers(-1, 6))
    def read_page(self, doc_id: str, n: int) -> None:
        r = self.client.get(f"/v1/documents/{doc_id}/pages/{n}")
        if doc_id not in self.pages:  # deleted since
            error_body(r, 404)
        elif 1 <= n <= self.pages[doc_id]:
            assert r.status_code == 200 and r.json()["page"] == n, r.text
        else:
            error_body(r, 404)

    @rule(doc_id=consumes(documents))
    def delete(self, doc_id: str) -> None:
        r = self.client.delete(f"/v1/documents/{doc_id}")
        if doc_id in self.pages:
            assert r.status_code == 200 and r.json()["doc_id"] == doc_id, r.text
            del self.pages[doc_id]
            self.known = {b: d for b, d in self.known.items() if d != doc_id}
        else:
            error_body(r, 404)
        error_body(self.client.get(f"/v1/documents/{doc_id}"), 404)

    @invariant()
    def catalog_matches_the_model(self) -> None:
        if not hasattr(self, "pages"):
            return
        listed = {d["doc_id"] for d in self.client.get("/v1/documents").json()["documents"]}
        assert listed == self.baseline | set(self.pages)


def _wait(c, job_id: str, timeout: float = 120) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        job = c.get(f"/v1/jobs/{job_id}").json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still running")


def test_stateful_upload_job_document_page(api) -> None:
    UploadJobDocumentPage.client = api
    machine = UploadJobDocumentPage.TestCase
    machine.settings = settings(
        max_examples=max(5, EXAMPLES // 5),
        stateful_step_count=10,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    machine().runTest()
