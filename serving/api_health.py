"""Open endpoints for operators: liveness, readiness, Prometheus metrics."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from docnav import __version__
from docnav.serving.schemas import Check, HealthOut, ReadyOut
from docnav.serving.service import Service, Svc

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=HealthOut)
def healthz() -> HealthOut:
    """The process is up (answers without touching the store)."""
    return HealthOut(version=__version__)


def _llm_check(svc: Service) -> Check:
    probe = getattr(svc.engine, "llm_ready", None)  # the agent's backend probe, when built
    if probe is None:
        has_ask = hasattr(svc.engine, "ask")
        return Check(
            ok=None,
            detail="no LLM probe in this build"
            + ("" if has_ask else "; the agent (Engine.ask) is not available"),
        )
    try:
        ok, detail = probe()
        return Check(ok=bool(ok), detail=str(detail))
    except Exception as exc:  # a probe that fails means not reachable
        return Check(ok=False, detail=f"{type(exc).__name__}: {exc}")


def _ready(svc: Service) -> ReadyOut:
    checks: dict[str, Check] = {}
    try:
        n = len(svc.engine.documents())
        checks["store"] = Check(ok=True, detail=f"{n} documents in {svc.engine.store.root}")
    except Exception as exc:
        checks["store"] = Check(ok=False, detail=f"{type(exc).__name__}: {exc}")
    checks["index"] = Check(**svc.index_state)
    checks["llm"] = _llm_check(svc)
    checks["jobs"] = Check(ok=True, detail="running a job" if svc.runner.busy else "idle")
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
