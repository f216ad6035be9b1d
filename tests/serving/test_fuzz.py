"""Schemathesis fuzzing of /openapi.json: generated bodies, paths and queries never give a
500 (bounded: a few examples per operation). Driven with hypothesis directly: the
schemathesis pytest plugin does not run under pytest 9."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from tests.serving.conftest import search_ask  # noqa: E402

pytestmark = pytest.mark.shared
EXAMPLES = 10


def _bm25(case):
    # the dense modes embed the store on first use (a minute on 2 cores); the fuzz is about
    # input handling, so searches run BM25 (modes are still generated and validated)
    dense = ("dense", "hybrid", "hybrid+rerank")
    if isinstance(case.body, dict) and case.body.get("mode", "hybrid") in dense:
        case.body["mode"] = "bm25"
    return case


def test_no_server_errors_on_generated_input(make_client):
    c = make_client(ask=search_ask(), conversation=lambda thread_id: [], upload_max_mb=1)
    schema = schemathesis.openapi.from_asgi("/openapi.json", c.app)
    ops = [r.ok() for r in schema.get_all_operations()]
    assert len(ops) >= 12
    failures = []
    for op in ops:

        @given(case=op.as_strategy().map(_bm25))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case) -> None:
            case.call_and_validate(checks=[not_a_server_error])

        try:
            run()
        except Exception as exc:  # collect all operations' failures, then report
            subs = getattr(exc, "exceptions", None) or [getattr(exc, "__cause__", None)]
            failures.append(f"{op.method.upper()} {op.path}: {exc} {[str(s)[:1500] for s in subs]}")
    assert not failures, "\n".join(failures)
