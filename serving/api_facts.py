"""GET /v1/facts: statement line items, the same lookup as `docnav facts` and the facts tool
(pages 1-based)."""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import APIRouter, Query

from docnav.serving.errors import ApiError
from docnav.serving.schemas import ErrorOut
from docnav.serving.service import Svc
from docnav.tools.access import ToolError
from docnav.tools.facts import FactRow, find_facts

router = APIRouter(prefix="/v1", tags=["facts"])


@router.get(
    "/facts",
    response_model=list[FactRow],
    responses={404: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
async def facts(
    svc: Svc,
    doc: Annotated[str | None, Query(max_length=200, description="doc_id or name")] = None,
    company: Annotated[str | None, Query(max_length=200)] = None,
    metric: Annotated[str | None, Query(max_length=200, description='"capex"')] = None,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
    period: Annotated[str | None, Query(max_length=40, description='"FY2019", "Q3 2024"')] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> list[FactRow]:
    """Line items of the statements and Notes with their values per period, best match first."""
    if not (doc or company):
        raise ApiError(422, "missing_filter", "give doc or company")

    def run() -> list[FactRow]:
        try:
            return find_facts(
                svc.engine.store,
                doc=doc,
                company=company,
                metric=metric,
                year=year,
                period=period,
                limit=limit,
            )
        except ToolError as exc:
            raise ApiError(404, "not_found", str(exc)) from exc

    return await anyio.to_thread.run_sync(run)
