"""POST /v1/ask (JSON or server-sent events) and GET /v1/conversations/{thread_id}.

The agent is synchronous and CPU-bound: it runs in a small thread pool, one thread per
answer slot. A slot is freed only when the agent thread really ends, so a timed-out or
abandoned question never lets more LLM work run than ``ask_concurrency``. Timeouts and
client disconnects set the cancel event; the agent stops at its next step.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
from collections.abc import AsyncIterator
from typing import Any

import anyio
from fastapi import APIRouter, Request
from sse_starlette import EventSourceResponse

from docnav.serving.errors import ApiError, from_docnav
from docnav.serving.schemas import AskRequest, ConversationOut, ErrorOut
from docnav.serving.service import Service, Svc
from docnav.types import Answer, Step

router = APIRouter(prefix="/v1", tags=["ask"])
log = logging.getLogger("docnav.serving.ask")


def _ask_kwargs(svc: Service, req: AskRequest) -> dict[str, Any]:
    kw: dict[str, Any] = {
        "doc": req.doc,
        "filters": req.filters.to_filters() if req.filters else None,
        "thread_id": req.thread_id,
    }
    if req.pages:
        kw["pages"] = req.pages
    opts = req.options.model_dump(exclude_none=True) if req.options else {}
    if opts:
        params = inspect.signature(svc.engine.ask).parameters
        takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
        unknown = [k for k in opts if k not in params and not takes_any]
        if unknown:
            raise ApiError(
                422, "unsupported_option", f"the agent does not take {', '.join(unknown)}"
            )
        kw.update(opts)
    return kw


class _Run:
    """One question running in the ask pool; its slot is released when the thread ends."""

    def __init__(self, svc: Service, req: AskRequest, on_step) -> None:
        self.cancel = threading.Event()
        kw = _ask_kwargs(svc, req)
        svc.cancels.add(self.cancel)
        loop = asyncio.get_running_loop()

        def work() -> Answer:
            return svc.engine.ask(req.question, req.mode, on_step=on_step, cancel=self.cancel, **kw)

        self.future = loop.run_in_executor(svc.ask_pool, work)
        # a hard stop even if nobody is waiting any more (client gone before the stream began)
        self._timer = loop.call_later(svc.settings.serve.ask_timeout_s, self.cancel.set)

        def done(fut: asyncio.Future) -> None:
            self._timer.cancel()
            svc.cancels.discard(self.cancel)
            svc.release_ask_slot()
            if not fut.cancelled() and fut.exception() is None:
                svc.metrics.observe_answer(fut.result())

        self.future.add_done_callback(done)


def _check(svc: Service, req: AskRequest) -> None:
    if len(req.question) > svc.settings.agent.max_question_chars:
        raise ApiError(
            422,
            "question_too_long",
            f"question is over {svc.settings.agent.max_question_chars} characters",
        )
    _ask_kwargs(svc, req)  # 422 before taking a slot


@router.post(
    "/ask",
    response_model=Answer,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "Answer, or SSE events when streamed",
        },
        422: {"model": ErrorOut},
        502: {"model": ErrorOut},
        503: {"model": ErrorOut},
        504: {"model": ErrorOut},
    },
)
async def ask(req: AskRequest, request: Request, svc: Svc):
    """Answer a question with citations. ``stream=true`` or ``Accept: text/event-stream``
    streams ``step`` events (model turns, tool calls, tool result summaries), then one
    ``answer`` event, or an ``error`` event; disconnecting cancels the work."""
    _check(svc, req)
    stream = req.stream or "text/event-stream" in request.headers.get("accept", "")
    await svc.acquire_ask_slot()
    queue: asyncio.Queue[tuple[str, Step | None]] = asyncio.Queue()
    loop = asyncio.get_running_loop()

    def on_step(step: Step) -> None:  # called on the agent thread
        try:
            loop.call_soon_threadsafe(queue.put_nowait, ("step", step))
        except RuntimeError:  # the server loop is gone (shutdown): the agent goes on quietly
            pass

    try:  # started here, not in the stream: the slot is tied to the thread from now on
        run = _Run(svc, req, on_step=on_step if stream else None)
    except BaseException:
        svc.release_ask_slot()
        raise
    if stream:
        run.future.add_done_callback(lambda _: queue.put_nowait(("done", None)))
        return EventSourceResponse(_stream(svc, run, queue), ping=15)
    watcher = asyncio.create_task(_disconnected(request))
    try:
        done, _ = await asyncio.wait(
            {run.future, watcher},
            timeout=svc.settings.serve.ask_timeout_s,
            return_when=asyncio.FIRST_COMPLETED,
        )
        if run.future in done:
            return run.future.result()
        run.cancel.set()
        if watcher in done:
            raise ApiError(499, "client_closed", "client went away")
        raise ApiError(504, "timeout", f"no answer within {svc.settings.serve.ask_timeout_s:.0f}s")
    finally:
        watcher.cancel()


async def _disconnected(request: Request) -> None:
    while not await request.is_disconnected():
        await asyncio.sleep(0.5)


async def _stream(svc: Service, run: _Run, queue: asyncio.Queue) -> AsyncIterator[dict]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + svc.settings.serve.ask_timeout_s
    try:
        while True:
            kind, step = await asyncio.wait_for(queue.get(), max(0.0, deadline - loop.time()))
            if kind == "done":
                break
            yield {"event": "step", "id": str(step.index), "data": step.model_dump_json()}
        try:
            answer = run.future.result()
        except Exception as exc:
            e = from_docnav(exc, svc.settings.serve.retry_after_s)
            if e.status >= 500:
                log.error("ask failed: %s", exc, exc_info=e.status == 500)
            svc.metrics.errors.labels(e.code).inc()
            yield {"event": "error", "data": _err_json(e)}
            return
        yield {"event": "answer", "data": answer.model_dump_json()}
    except TimeoutError:
        run.cancel.set()
        svc.metrics.errors.labels("timeout").inc()
        e = ApiError(504, "timeout", f"no answer within {svc.settings.serve.ask_timeout_s:.0f}s")
        yield {"event": "error", "data": _err_json(e)}
    finally:
        if not run.future.done():
            run.cancel.set()  # client disconnected (generator closed) or timed out


def _err_json(e: ApiError) -> str:
    import json

    from docnav.serving.logs import request_id_var
    from docnav.serving.redact import public_text

    # the error responses' format, {"error": {...}}, plus the status the stream could not send
    return json.dumps(
        {
            "error": {
                "code": e.code,
                "message": public_text(e.message),
                "request_id": request_id_var.get(),
                "status": e.status,
            }
        }
    )


@router.get(
    "/conversations/{thread_id}",
    response_model=ConversationOut,
    responses={404: {"model": ErrorOut}},
)
async def conversation(thread_id: str, svc: Svc) -> ConversationOut:
    """The checkpointed history of a thread, so a follow-up can go on it."""
    messages = await anyio.to_thread.run_sync(svc.engine.conversation, thread_id)
    return ConversationOut(thread_id=thread_id, messages=messages)
