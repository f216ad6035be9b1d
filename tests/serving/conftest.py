"""Serving fixtures: one real store (two FinanceBench filings, ingested once per session)
copied per test, and an app over it in bm25 mode (no embedding model load)."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from docnav.engine import Engine
from docnav.settings import Settings
from docnav.types import Answer, Citation, Step, Trace

FILINGS = ("AMCOR_2023Q4_EARNINGS", "BESTBUY_2024Q2_10Q")


@pytest.fixture(scope="session")
def ingested_home(fb_pdfs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("served") / "home"
    src = home.parent / "in"
    src.mkdir()
    for name in FILINGS:
        shutil.copyfile(fb_pdfs / f"{name}.pdf", src / f"{name}.pdf")
    report = Engine(Settings(home=home)).ingest([src])
    assert not report.failed, report
    return home


def make_settings(home: Path, **kw) -> Settings:
    base = {"serve_warm_dense": False, "ask_queue_wait_s": 0.0}
    return Settings(home=home, **{**base, **kw})


@pytest.fixture
def served_home(ingested_home: Path, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    shutil.copytree(ingested_home, home)
    return home


@pytest.fixture
def make_client(served_home: Path) -> Callable[..., TestClient]:
    """``make_client(ask=fn, api_keys="k", ...)``: a started app (lifespan run) over a copy
    of the store; settings keywords go to Settings."""
    clients: list[TestClient] = []

    def make(
        ask: Callable | None = None, conversation: Callable | None = None, wait: bool = True, **kw
    ) -> TestClient:
        from docnav.serving import create_app

        engine = Engine(make_settings(served_home, **kw))
        if ask is not None:
            engine.ask = ask(engine) if _is_factory(ask) else ask
        if conversation is not None:
            engine.conversation = conversation
        c = TestClient(create_app(engine), raise_server_exceptions=False)
        c.__enter__()
        clients.append(c)
        if wait:
            wait_ready(c)
        return c

    yield make
    for c in clients:
        c.__exit__(None, None, None)


def _is_factory(fn: Callable) -> bool:
    return getattr(fn, "factory", False)


def wait_ready(client: TestClient, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if client.get("/readyz").status_code == 200:
            return
        time.sleep(0.05)
    raise AssertionError(client.get("/readyz").json())


def search_ask(delay_s: float = 0.0, gate: threading.Event | None = None, seen: dict | None = None):
    """A stand-in for ``Engine.ask`` with its signature (unit tests only; the real agent
    needs an LLM): it really searches the store (bm25), reports steps, honours ``cancel``,
    and cites the top hit's page. ``gate`` holds it until set; ``seen`` records the call."""

    def factory(engine: Engine):
        def ask(
            question,
            mode="agent",
            *,
            doc=None,
            filters=None,
            thread_id=None,
            on_step=None,
            cancel=None,
            pages=None,
        ):
            if seen is not None:
                seen.update(
                    question=question,
                    mode=mode,
                    doc=doc,
                    filters=filters,
                    thread_id=thread_id,
                    cancel=cancel,
                )
            steps: list[Step] = []

            def step(**kw) -> None:
                s = Step(index=len(steps), **kw)
                steps.append(s)
                if on_step:
                    on_step(s)

            step(kind="model", summary="plan: search the filings", tokens_in=120, tokens_out=12)
            while gate is not None and not gate.wait(0.02):
                if cancel is not None and cancel.is_set():
                    if seen is not None:
                        seen["cancelled"] = True
                    return Answer(
                        question=question, mode=mode, answer="cancelled", trace=Trace(steps=steps)
                    )
            res = engine.search(question, mode="bm25", k=3, filters=filters)
            hits = res.hits
            step(
                kind="tool",
                tool="search",
                arguments={"query": question},
                summary=f"{len(hits)} hits",
            )
            time.sleep(delay_s)
            if not hits:
                return Answer(
                    question=question,
                    mode=mode,
                    answer="not found in the filings",
                    not_found=True,
                    trace=Trace(steps=steps),
                )
            top = hits[0]
            text = engine.page_text(top.doc_id, top.page_start)  # both 1-based
            step(kind="answer", summary="answered", tokens_in=300, tokens_out=40)
            return Answer(
                question=question,
                mode=mode,
                answer=" ".join(text.split()[:12]),
                citations=[
                    Citation(
                        doc_id=top.doc_id,
                        doc_name=top.doc_name,
                        page=top.page_start,  # Engine.search pages are 1-based
                        section_path=top.section_path,
                        quote=" ".join(text.split()[:8]),
                        verified=True,
                    )
                ],
                thread_id=thread_id,
                trace=Trace(steps=steps, llm_calls=2, tool_calls=1, tokens_in=420, tokens_out=52),
            )

        return ask

    factory.factory = True
    return factory
