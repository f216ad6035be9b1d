"""The soak's verdict logic (the run itself, `docnav bench soak`, needs the LLM server and
minutes of traffic: results/soak)."""

from __future__ import annotations

from docnav.bench.soak import Recorder, summarise


def _rec(statuses: list[tuple[str, str]]) -> Recorder:
    rec = Recorder(0.0)
    rec.rows = [
        {"t": float(i), "secs": 0.1, "endpoint": ep, "status": st, "llm_up": i % 2 == 0}
        for i, (ep, st) in enumerate(statuses)
    ]
    return rec


UPLOADS_OK = {"acknowledged": 2, "present": 2, "missing": [], "failed": []}
FLAT = [{"t": i, "server_mb": 300.0 + (i % 3), "llm_mb": 500.0} for i in range(40)]


def test_documented_errors_pass():
    rec = _rec(
        [
            ("search", "200"),
            ("ask-rag", "502"),
            ("ask-rag", "503"),
            ("ask-agent", "504"),
            ("missing", "404"),
            ("ask-rag-sse", "200-sse-error"),
        ]
    )
    s = summarise(rec, FLAT, [], UPLOADS_OK, 60.0, True)
    assert s["passed"] and s["undocumented_5xx"] == 0 and s["rss_flat"]


def test_500_disguised_answer_growth_and_lost_upload_fail():
    assert (
        summarise(_rec([("search", "500")]), FLAT, [], UPLOADS_OK, 60, True)["undocumented_5xx"]
        == 1
    )
    s = summarise(_rec([("ask-rag", "200-llm-error")]), FLAT, [], UPLOADS_OK, 60, True)
    assert not s["passed"] and s["asks_200_with_llm_error"] == 1
    growing = [{"t": i, "server_mb": 300.0 + 10 * i, "llm_mb": 1.0} for i in range(40)]
    assert not summarise(_rec([]), growing, [], UPLOADS_OK, 60, True)["rss_flat"]
    lost = {**UPLOADS_OK, "present": 1, "missing": [{"job": "j", "doc_ids": ["x"]}]}
    assert not summarise(_rec([]), FLAT, [], lost, 60, True)["passed"]
    assert not summarise(_rec([("search", "ReadTimeout")]), FLAT, [], UPLOADS_OK, 60, True)[
        "passed"
    ]


def test_compact_requests_keeps_asks_and_errors():
    from docnav.bench.soak import compact_requests

    rows = _rec(
        [
            ("search", "200"),
            ("missing", "404"),
            ("search", "500"),
            ("ask-rag", "200"),
            ("page", "ReadTimeout"),
        ]
    ).rows
    c = compact_requests(rows)
    assert [r["status"] for r in c["requests"]] == ["500", "200", "ReadTimeout"]
    assert c["buckets"]["2xx"] == [2] and c["buckets"]["other 5xx"] == [1]
    assert c["buckets"]["4xx"] == [1] and c["buckets"]["transport"] == [1]
