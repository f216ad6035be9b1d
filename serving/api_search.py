"""POST /v1/search: the same retriever as `docnav search`."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter

from docnav.serving.errors import ApiError
from docnav.serving.schemas import ErrorOut, SearchRequest, SearchResponse
from docnav.serving.service import Service, Svc

router = APIRouter(prefix="/v1", tags=["search"])


def _search(svc: Service, req: SearchRequest) -> dict[str, Any]:
    filters = req.filters.to_filters() if req.filters else None
    with svc.indexed() as engine:
        res = engine.search(req.query, mode=req.mode, k=req.k, filters=filters, fusion=req.fusion)
    return {
        "hits": res.hits,  # pages 1-based, as the engine returns them
        "analysis": res.analysis.model_dump(mode="json") if res.analysis else None,
        "applied": list(res.applied),
        "timings": dict(res.timings),
    }


async def run_blocking(fn, *args, timeout: float):
    """Run sync work in a thread; 504 after ``timeout`` (the thread finishes on its own)."""
    fut = asyncio.get_running_loop().run_in_executor(None, fn, *args)
    try:
        return await asyncio.wait_for(fut, timeout)
    except TimeoutError as exc:
        raise ApiError(504, "timeout", f"no result within {timeout:.0f}s") from exc


@router.post(
    "/search",
    response_model=SearchResponse,
    responses={422: {"model": ErrorOut}, 504: {"model": ErrorOut}},
)
async def search(req: SearchRequest, svc: Svc) -> SearchResponse:
    """BM25, dense or hybrid search over every chunk; filters narrow before ranking."""
    s = svc.settings
    if req.k > s.max_k:
        raise ApiError(422, "k_too_large", f"k is {req.k}; this server returns at most {s.max_k}")
    if len(req.query) > s.max_question_chars:
        raise ApiError(422, "query_too_long", f"query is over {s.max_question_chars} characters")
    t0 = time.perf_counter()
    out = await run_blocking(_search, svc, req, timeout=s.search_timeout_s)
    return SearchResponse(
        query=req.query, mode=req.mode, k=req.k, seconds=round(time.perf_counter() - t0, 4), **out
    )
