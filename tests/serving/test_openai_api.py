"""The OpenAI-compatible endpoints, driven by the ``openai`` client against a real uvicorn on
127.0.0.1 over a real store (two FinanceBench filings); answers come from the embedded 0.5B
model (rag mode), and a backend that is down is a real unreachable server."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import httpx
import openai
import pytest

from docnav.engine import Engine
from docnav.serving import create_app
from docnav.serving.api_openai import _pieces
from tests.serving.conftest import make_settings
from tests.serving.test_e2e import free_port

pytestmark = pytest.mark.shared
TENQ = "BESTBUY_2024Q2_10Q"
KEY = "sk-docnav-test"
AMCOR = "AMCOR_2023Q4_EARNINGS"
# a question the 0.5B model answers with a citation (3 BM25 passages, greedy decoding)
QUESTION = "What was Amcor's net sales in fiscal 2023?"


class Uvicorn:
    """``create_app(engine)`` served by uvicorn on 127.0.0.1 in a thread."""

    def __init__(self, engine: Engine) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(engine), host="127.0.0.1", port=self.port, log_config=None
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        end = time.monotonic() + 60
        while not self.server.started and time.monotonic() < end:
            time.sleep(0.05)
        assert self.server.started, "uvicorn did not start"

    def client(self, key: str | None = KEY, **kw) -> openai.OpenAI:
        return openai.OpenAI(
            base_url=f"{self.url}/v1",
            api_key=key or "none",
            max_retries=0,
            timeout=kw.pop("timeout", 900),
            **kw,
        )

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)


@pytest.fixture(scope="module")
def module_home(ingested_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("openai") / "home"
    shutil.copytree(ingested_home, home)
    return home


@pytest.fixture(scope="module")
def served(module_home: Path, small_gguf: Path, llama_cpp_installed: None):
    """The service over the 0.5B model (loaded on the first question, kept for the module);
    rag over BM25 so no embedding model is loaded."""
    engine = Engine(
        make_settings(
            module_home,
            api_keys=KEY,
            llm_model=str(small_gguf),
            llm_ctx=8192,
            rag_mode="bm25",
            rag_k=3,
            ask_timeout_s=900,
            ask_queue_wait_s=30,
        )
    )
    srv = Uvicorn(engine)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def down(module_home: Path):
    """The service with an OpenAI-compatible LLM backend that is not there (a closed port)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    engine = Engine(
        make_settings(
            module_home,
            api_keys=KEY,
            llm_backend="openai",
            llm_base_url=f"http://127.0.0.1:{dead}/v1",
            llm_model="qwen",
            llm_max_retries=0,
            llm_timeout_s=5,
            rag_mode="bm25",
        )
    )
    srv = Uvicorn(engine)
    yield srv
    srv.stop()


def test_models_list_and_retrieve(down):
    c = down.client()
    ids = [m.id for m in c.models.list()]
    assert ids == ["docnav-agent", "docnav-rag", "docnav-long-context", "docnav-closed-book"]
    m = c.models.retrieve("docnav-rag")
    assert (
        m.id == "docnav-rag" and m.owned_by == "docnav" and m.model_extra["docnav"]["mode"] == "rag"
    )
    assert c.models.retrieve("docnav").id == "docnav-agent"  # alias
    with pytest.raises(openai.NotFoundError) as e:
        c.models.retrieve("gpt-4o")
    assert e.value.body["code"] == "model_not_found"


def test_errors_use_the_documented_body(down):
    c = down.client()
    msgs = [{"role": "user", "content": "revenue?"}]
    with pytest.raises(openai.AuthenticationError) as e:
        down.client(key="wrong").chat.completions.create(model="docnav-rag", messages=msgs)
    assert e.value.status_code == 401 and e.value.body["code"] == "unauthorized"
    assert e.value.body["request_id"]
    with pytest.raises(openai.NotFoundError) as e:
        c.chat.completions.create(model="gpt-4o", messages=msgs)
    assert e.value.body["code"] == "model_not_found" and "docnav-agent" in e.value.body["message"]
    with pytest.raises(openai.UnprocessableEntityError) as e:
        c.chat.completions.create(
            model="docnav-rag", messages=[{"role": "system", "content": "be brief"}]
        )
    assert e.value.body["code"] == "no_question"
    with pytest.raises(openai.UnprocessableEntityError) as e:
        c.chat.completions.create(model="docnav-rag", messages=msgs, n=2)
    assert e.value.body["code"] == "validation" and e.value.body["details"]
    # raw HTTP: the body is {"error": {code, message, request_id}}
    r = httpx.post(
        f"{down.url}/v1/chat/completions",
        json={"model": "docnav-rag"},
        headers={"Authorization": f"Bearer {KEY}"},
    )
    assert r.status_code == 422 and set(r.json()) == {"error"}


@pytest.mark.parametrize(
    "model,stream",
    [("docnav-rag", False), ("docnav-rag", True), ("docnav-agent", False), ("docnav-agent", True)],
)
def test_llm_down_is_an_error_not_an_answer(down, model: str, stream: bool):
    """502 before any step; once the stream has begun (the agent's first look at the filings
    comes before its first model call), one in-stream error event, raised by the client."""
    c = down.client()
    chunks = []
    with pytest.raises(openai.APIError) as e:
        res = c.chat.completions.create(
            model=model, messages=[{"role": "user", "content": QUESTION}], stream=stream
        )
        if stream:
            chunks.extend(res)
    body = e.value.body
    assert body["code"] == "llm_unavailable" and "127.0.0.1" not in body["message"], body
    if isinstance(e.value, openai.APIStatusError):
        assert e.value.status_code == 502
    else:  # raised from the stream: no answer text came before it
        assert stream and body["status"] == 502 and body["request_id"]
        assert not "".join(ch.choices[0].delta.content or "" for ch in chunks)


def test_answer_pieces_join_back():
    text = 'Domestic comparable sales fell 6.2% [1].\n\nSources:\n[1] BESTBUY p. 24: "x"'
    for size in (5, 13, 80, 1000):
        assert "".join(_pieces(text, size)) == text
    assert _pieces("", 10) == []


@pytest.mark.slow
def test_cited_answer_with_the_small_model(served):
    """A non-streamed rag answer from the real 0.5B model: the message text carries numbered
    sources with 1-based pages and what was checked; the extra fields carry them structured."""
    c = served.client()
    res = c.chat.completions.create(
        model="docnav-rag",
        messages=[
            {"role": "system", "content": "You are a helpful analyst."},
            {"role": "user", "content": "Hello"},
            {"role": "assistant", "content": "Hi, what do you want to know?"},
            {"role": "user", "content": QUESTION},
        ],
        max_tokens=300,
    )
    assert res.object == "chat.completion" and res.model == "docnav-rag"
    choice = res.choices[0]
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    text = choice.message.content
    answer = res.model_extra["docnav"]
    assert answer["question"] == QUESTION and answer["mode"] == "rag" and answer["answer"]
    assert text.startswith(answer["answer"].strip()[:40])
    assert res.usage.prompt_tokens > 0 and res.usage.completion_tokens > 0
    cites = res.model_extra["citations"]
    assert cites, text
    assert [c["page"] for c in cites] == [c["page"] for c in answer["citations"]]
    assert "Sources:" in text and "✓" not in text
    for i, cite in enumerate(cites, 1):
        assert cite["doc_id"] == AMCOR and 1 <= cite["page"] <= 14
        want = f"quote found, p. {cite['page']}" if cite["verified"] else "quote not found"
        assert cite["check"].startswith(want) and f"[{i}] " in text and want in text


@pytest.mark.slow
def test_streamed_answer_with_the_small_model(served):
    c = served.client()
    stream = c.chat.completions.create(
        model="docnav-rag",
        messages=[{"role": "user", "content": QUESTION}],
        stream=True,
        max_tokens=300,
        extra_body={"doc": AMCOR},
    )
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert all(ch.object == "chat.completion.chunk" and ch.id == chunks[0].id for ch in chunks)
    text = "".join(ch.choices[0].delta.content or "" for ch in chunks)
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    answer = last.model_extra["docnav"]
    assert answer["answer"] and text.startswith(answer["answer"].strip()[:40])
    steps = [ch.model_extra["docnav"]["step"] for ch in chunks[:-1] if ch.model_extra.get("docnav")]
    assert steps and all(s["kind"] for s in steps)
    assert last.usage is not None and last.usage.completion_tokens > 0
    for cite in last.model_extra["citations"]:
        assert 1 <= cite["page"] <= 14 and f"p. {cite['page']}" in text


def test_stream_logic_failure_after_the_first_step(tmp_path: Path):
    """Unit test of the chunk stream (no model): steps already held are sent first, then a
    failure of the answer becomes one error event and no [DONE]; a disconnect (the generator
    closed early) cancels the run."""
    import asyncio
    import json
    import threading
    from types import SimpleNamespace

    from docnav.errors import LLMUnavailableError
    from docnav.serving.api_openai import _Reply, _stream
    from docnav.serving.metrics import Metrics
    from docnav.settings import Settings
    from docnav.types import Step

    svc = SimpleNamespace(settings=Settings(home=tmp_path), metrics=Metrics())

    async def events(fail: bool, close_after: int | None = None) -> tuple[list[str], bool]:
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        run = SimpleNamespace(future=fut, cancel=threading.Event())
        queue: asyncio.Queue = asyncio.Queue()
        held = [("step", Step(index=0, kind="tool", tool="first_look", summary="outline"))]
        gen = _stream(svc, run, queue, held, _Reply("docnav-agent"), loop.time() + 30)
        out = []
        async for ev in gen:
            out.append(ev)
            if close_after is not None and len(out) == close_after:
                await gen.aclose()
                break
            if len(out) == 2:  # the held step is out: now the run ends
                if fail:
                    fut.set_exception(LLMUnavailableError("timeout", "read timed out at http://x"))
                else:
                    fut.set_exception(RuntimeError("boom"))
                queue.put_nowait(("done", None))
        return out, run.cancel.is_set()

    out, _ = asyncio.run(events(fail=True))
    assert len(out) == 3 and all(e.startswith("data: ") for e in out)
    first, step = (json.loads(e[6:]) for e in out[:2])
    assert first["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert step["docnav"]["step"]["tool"] == "first_look" and step["choices"][0]["delta"] == {}
    err = json.loads(out[2][6:])["error"]
    assert err["code"] == "llm_timeout" and err["status"] == 504 and "http" not in err["message"]
    out, _ = asyncio.run(events(fail=False))
    assert json.loads(out[-1][6:])["error"]["code"] == "internal"
    out, cancelled = asyncio.run(events(fail=False, close_after=1))
    assert cancelled and len(out) == 1


@pytest.mark.slow
def test_langchain_chat_openai_talks_to_docnav(served):
    """LangChain's ChatOpenAI, pointed at docnav as at any OpenAI-compatible model."""
    from langchain_openai import ChatOpenAI

    llm = ChatOpenAI(
        base_url=f"{served.url}/v1",
        api_key=KEY,
        model="docnav-rag",
        max_retries=0,
        timeout=900,
        max_tokens=300,
    )
    msg = llm.invoke(QUESTION)
    assert msg.content and "Sources:" in msg.content, msg.content
    text = "".join(str(chunk.content) for chunk in llm.stream(QUESTION))
    assert text == msg.content  # greedy decoding: the same answer, streamed
