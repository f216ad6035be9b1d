"""Open endpoints for operators: liveness, readiness, Prometheus metrics."""

from __future__ import annotations

import time

import anyio
import httpx
from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from docnav import __version__
from docnav.serving.redact import public_text
from docnav.serving.schemas import Check, HealthOut, ReadyOut
from docnav.serving.service import Service, Svc

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=HealthOut)
def healthz() -> HealthOut:
    """The process is up (answers without touching the store)."""
    return HealthOut(version=__version__)


_LLM_CACHE: dict[str, tuple[float, Check]] = {}
_LLM_TTL_S = 10.0  # readyz is polled often; the backend is asked at most this often


def _llm_check(svc: Service) -> Check:
    """An OpenAI-compatible server is asked for /models; an embedded backend cannot be
    checked without loading the model."""
    s = svc.settings
    key = f"{id(svc)}:{s.llm.backend}:{s.llm.base_url}"
    hit = _LLM_CACHE.get(key)
    if hit and time.monotonic() - hit[0] < _LLM_TTL_S:
        return hit[1]
    try:
        if s.llm.backend == "openai" and s.llm.base_url:
            url = s.llm.base_url.rstrip("/") + "/models"
            headers = {"Authorization": f"Bearer {s.llm.api_key}"} if s.llm.api_key else {}
            r = httpx.get(url, timeout=2.0, headers=headers)
            # no URL: /readyz is open, and where the backend lives is internal
            check = Check(ok=r.status_code < 500, detail=f"LLM server answered {r.status_code}")
        else:
            check = Check(ok=None, detail=f"{s.llm.backend} backend: loaded on the first question")
    except Exception as exc:  # unreachable or failing probe: not ready to answer
        check = Check(ok=False, detail=f"{type(exc).__name__}: {exc}")
    _LLM_CACHE[key] = (time.monotonic(), check)
    return check


def _ready(svc: Service) -> ReadyOut:
    checks: dict[str, Check] = {}
    try:
        n = len(svc.engine.documents())
        checks["store"] = Check(ok=True, detail=f"{n} documents")  # not where: no server paths
    except Exception as exc:
        checks["store"] = Check(ok=False, detail=f"{type(exc).__name__}: {exc}")
    checks["index"] = Check(**svc.index_state)
    checks["llm"] = _llm_check(svc)
    checks["jobs"] = Check(ok=True, detail="running a job" if svc.runner.busy else "idle")
    # exception texts and probes may name paths or URLs; the open endpoint shows neither
    checks = {k: c.model_copy(update={"detail": public_text(c.detail)}) for k, c in checks.items()}
    # a check that cannot be made (None) does not fail readiness; a failed one does
    return ReadyOut(
        ready=all(c.ok is not False for c in checks.values()) and checks["index"].ok is True,
        checks=checks,
    )


@router.get("/readyz", response_model=ReadyOut, responses={503: {"model": ReadyOut}})
async def readyz(svc: Svc) -> JSONResponse:
    """Store opens, indexes loaded, LLM backend reachable (when the build can tell)."""
    out = await anyio.to_thread.run_sync(_ready, svc)
    return JSONResponse(out.model_dump(), status_code=200 if out.ready else 503)


@router.get("/metrics", response_class=Response)
def metrics(svc: Svc) -> Response:
    """Prometheus text format."""
    return Response(svc.metrics.render(), media_type=svc.metrics.content_type)
