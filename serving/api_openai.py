"""OpenAI-compatible endpoints: ``POST /v1/chat/completions`` and ``GET /v1/models``, so the
``openai`` client, LangChain's ChatOpenAI and chat UIs talk to docnav as to a model.

- ``model`` picks the answer mode: ``docnav-agent`` (``docnav`` is an alias), ``docnav-rag``,
  ``docnav-long-context``, ``docnav-closed-book``.
- The last user message is the question (earlier turns are not used); ``doc`` and ``filters``
  (docnav's own, e.g. ``extra_body={"doc": "..."}``) scope it; ``temperature`` and
  ``max_tokens`` / ``max_completion_tokens`` go to the model; other OpenAI parameters
  (``n`` other than 1 excepted) are accepted and ignored.
- The reply's content is the answer with numbered sources (document, 1-based page, section,
  quote, and what was checked: "quote found, p. N"); the same citations are structured in the
  extra field ``citations`` and the whole docnav ``Answer`` in ``docnav``.
- ``stream=true``: ``chat.completion.chunk`` server-sent events ending in ``data: [DONE]``.
  Agent steps come as chunks with an empty delta and ``docnav.step``; the answer text then
  comes in pieces, and the last chunk carries ``finish_reason``, ``usage``, ``citations``
  and ``docnav``. Headers are sent at the first step that is not an error report, so a
  backend that is down from the start is a plain 502/504 error response; a failure later is one
  ``data: {"error": {...}}`` event (what the ``openai`` client raises as an APIError).

Questions share the ask endpoint's slots, timeout and cancellation (``api_ask._Run``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from docnav.render import answer_text, citation_check
from docnav.serving.api_ask import _check, _disconnected, _Run
from docnav.serving.errors import ApiError, from_docnav
from docnav.serving.logs import request_id_var
from docnav.serving.redact import public_text
from docnav.serving.schemas import AskOptions, AskRequest, ErrorOut, FiltersIn
from docnav.serving.service import Service, Svc
from docnav.types import Answer, AnswerMode, Step

router = APIRouter(prefix="/v1", tags=["openai"])
log = logging.getLogger("docnav.serving.openai")

MODELS: dict[str, AnswerMode] = {
    "docnav-agent": "agent",
    "docnav-rag": "rag",
    "docnav-long-context": "long-context",
    "docnav-closed-book": "closed-book",
}
ALIASES: dict[str, str] = {"docnav": "docnav-agent"}
CREATED = 1764806400  # 2025-12-04: when these model ids were first served
DESCRIPTIONS = {
    "agent": "navigates the filings with read-only tools, then answers with checked citations",
    "rag": "answers from the top hybrid-search passages",
    "long-context": "reads one whole filing (cut to the model's window)",
    "closed-book": "the question alone, no filings (a baseline)",
}


class ChatMessageIn(BaseModel):
    model_config = ConfigDict(extra="allow")  # name, tool_calls, ...: accepted, not used

    role: str = Field(max_length=32)
    content: str | list[dict[str, Any]] | None = None


class ChatCompletionRequest(BaseModel):
    """OpenAI's chat request; parameters docnav has no use for are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(max_length=100, description="docnav-agent, docnav-rag, ... (GET /v1/models)")
    messages: list[ChatMessageIn] = Field(min_length=1, max_length=200)
    stream: bool = False
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    max_tokens: int | None = Field(default=None, ge=1, le=32768)
    max_completion_tokens: int | None = Field(default=None, ge=1, le=32768)
    n: int | None = Field(default=None, ge=1, le=1, description="One answer per request.")
    doc: str | None = Field(default=None, max_length=200, description="docnav: one filing.")
    filters: FiltersIn | None = Field(default=None, description="docnav: metadata filters.")


def _mode(model: str) -> AnswerMode:
    name = ALIASES.get(model, model)
    if name not in MODELS:
        raise ApiError(
            404,
            "model_not_found",
            f"no model {model[:100]!r}; docnav serves {', '.join(MODELS)} (GET /v1/models)",
        )
    return MODELS[name]


def _text(content: str | list[dict[str, Any]] | None) -> str:
    if isinstance(content, str):
        return content
    parts = content or []
    return "\n".join(str(p.get("text", "")) for p in parts if p.get("type") == "text")


def _question(messages: list[ChatMessageIn]) -> str:
    for m in reversed(messages):
        if m.role == "user":
            q = _text(m.content).strip()
            if q:
                return q
            break
    raise ApiError(422, "no_question", "the last user message has no text: it is the question")


def _ask_request(req: ChatCompletionRequest) -> AskRequest:
    opts = {
        "temperature": req.temperature,
        "max_tokens": req.max_completion_tokens or req.max_tokens,
    }
    opts = {k: v for k, v in opts.items() if v is not None}
    return AskRequest(
        question=_question(req.messages),
        mode=_mode(req.model),
        doc=req.doc,
        filters=req.filters,
        stream=req.stream,
        options=AskOptions(**opts) if opts else None,
    )


def _citations(a: Answer) -> list[dict[str, Any]]:
    return [{**c.model_dump(mode="json"), "check": citation_check(c)} for c in a.citations]


def _usage(a: Answer) -> dict[str, int]:
    t = a.trace
    return {
        "prompt_tokens": t.tokens_in,
        "completion_tokens": t.tokens_out,
        "total_tokens": t.tokens_in + t.tokens_out,
    }


class _Reply:
    """The fields every object of one completion shares."""

    def __init__(self, model: str) -> None:
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())
        self.model = model

    def completion(self, a: Answer) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "logprobs": None,
                    "message": {"role": "assistant", "content": answer_text(a)},
                }
            ],
            "usage": _usage(a),
            "citations": _citations(a),
            "docnav": a.model_dump(mode="json"),
        }

    def chunk(self, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        body = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
            **extra,
        }
        return _sse(body)


def _sse(body: dict[str, Any]) -> str:
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def _error_event(e: ApiError) -> str:
    return _sse(
        {
            "error": {
                "code": e.code,
                "message": public_text(e.message),
                "request_id": request_id_var.get(),
                "status": e.status,
            }
        }
    )


def _pieces(text: str, size: int = 80) -> list[str]:
    """The answer in word-boundary pieces of about ``size`` characters (whitespace kept, so
    the pieces join back to the text exactly)."""
    out, start = [], 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            space = text.rfind(" ", start + 1, end)
            end = space if space > start else end
        out.append(text[start:end])
        start = end
    return out


@router.get("/models")
async def list_models(svc: Svc) -> dict[str, Any]:
    """The answer modes as OpenAI model ids (``model`` of a chat completion)."""
    return {"object": "list", "data": [_model(m, svc) for m in MODELS]}


@router.get("/models/{model_id}", responses={404: {"model": ErrorOut}})
async def get_model(model_id: str, svc: Svc) -> dict[str, Any]:
    _mode(model_id)
    return _model(ALIASES.get(model_id, model_id), svc)


def _model(name: str, svc: Service) -> dict[str, Any]:
    mode = MODELS[name]
    return {
        "id": name,
        "object": "model",
        "created": CREATED,
        "owned_by": "docnav",
        "docnav": {
            "mode": mode,
            "description": DESCRIPTIONS[mode],
            "llm_backend": svc.settings.llm.backend,
        },
    }


@router.post(
    "/chat/completions",
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "chat.completion, or chunks"},
        404: {"model": ErrorOut},
        422: {"model": ErrorOut},
        502: {"model": ErrorOut},
        503: {"model": ErrorOut},
        504: {"model": ErrorOut},
    },
)
async def chat_completions(req: ChatCompletionRequest, request: Request, svc: Svc):
    """An answer with citations as an OpenAI chat completion (see the module notes)."""
    ask_req = _ask_request(req)
    _check(svc, ask_req)
    reply = _Reply(ALIASES.get(req.model, req.model))
    await svc.acquire_ask_slot()
    queue: asyncio.Queue[tuple[str, Step | None]] = asyncio.Queue()
    loop = asyncio.get_running_loop()

    def on_step(step: Step) -> None:  # called on the agent thread
        try:
            loop.call_soon_threadsafe(queue.put_nowait, ("step", step))
        except RuntimeError:  # the server loop is gone (shutdown)
            pass

    try:
        run = _Run(svc, ask_req, on_step=on_step if req.stream else None)
    except BaseException:
        svc.release_ask_slot()
        raise
    timeout = svc.settings.serve.ask_timeout_s
    if req.stream:
        run.future.add_done_callback(lambda _: queue.put_nowait(("done", None)))
        # headers wait for the first step that is not an error report: a failure before it
        # (a backend that is down fails the first model call) is a plain error status
        held: list[tuple[str, Step | None]] = []
        try:
            while not held or held[-1][0] == "step" and held[-1][1].kind == "error":
                held.append(await asyncio.wait_for(queue.get(), timeout))
        except BaseException as exc:
            run.cancel.set()
            if isinstance(exc, TimeoutError):
                raise ApiError(504, "timeout", f"no answer within {timeout:.0f}s") from None
            raise
        if held[-1][0] == "done":
            run.future.result()  # raises the failure (mapped to its status by the handlers)
        return StreamingResponse(
            _stream(svc, run, queue, held, reply, loop.time() + timeout),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    watcher = asyncio.create_task(_disconnected(request))
    try:
        done, _ = await asyncio.wait(
            {run.future, watcher}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if run.future in done:
            return reply.completion(run.future.result())
        run.cancel.set()
        if watcher in done:
            raise ApiError(499, "client_closed", "client went away")
        raise ApiError(504, "timeout", f"no answer within {timeout:.0f}s")
    finally:
        watcher.cancel()


async def _stream(
    svc: Service, run: _Run, queue: asyncio.Queue, held: list, reply: _Reply, deadline: float
) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    try:
        yield reply.chunk({"role": "assistant", "content": ""})
        while True:
            item = (
                held.pop(0)
                if held
                else await asyncio.wait_for(queue.get(), max(0.0, deadline - loop.time()))
            )
            if item[0] == "done":
                break
            yield reply.chunk({}, docnav={"step": item[1].model_dump(mode="json")})
        try:
            answer = run.future.result()
        except Exception as exc:
            e = from_docnav(exc, svc.settings.serve.retry_after_s)
            if e.status >= 500:
                log.error("chat completion failed: %s", exc, exc_info=e.status == 500)
            svc.metrics.errors.labels(e.code).inc()
            yield _error_event(e)
            return
        for piece in _pieces(answer_text(answer)):
            yield reply.chunk({"content": piece})
        yield reply.chunk(
            {},
            "stop",
            usage=_usage(answer),
            citations=_citations(answer),
            docnav=answer.model_dump(mode="json"),
        )
        yield "data: [DONE]\n\n"
    except TimeoutError:
        run.cancel.set()
        svc.metrics.errors.labels("timeout").inc()
        timeout = svc.settings.serve.ask_timeout_s
        yield _error_event(ApiError(504, "timeout", f"no answer within {timeout:.0f}s"))
    finally:
        if not run.future.done():
            run.cancel.set()  # client disconnected (generator closed) or timed out
