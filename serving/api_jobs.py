"""Ingestion jobs: progress (files, pages, per-file results and errors)."""

from __future__ import annotations

import anyio
from fastapi import APIRouter

from docnav.serving.errors import ApiError
from docnav.serving.paging import Cursor, Limit, decode_cursor, encode_cursor
from docnav.serving.schemas import ErrorOut, JobList, JobOut
from docnav.serving.service import Svc

router = APIRouter(prefix="/v1", tags=["jobs"])


@router.get("/jobs", response_model=JobList, responses={422: {"model": ErrorOut}})
async def list_jobs(svc: Svc, limit: Limit = 50, cursor: Cursor = None) -> JobList:
    """Most recent jobs first, a page at a time (``next_cursor`` for the next)."""
    after = decode_cursor(cursor, (str, int))
    jobs, last = await anyio.to_thread.run_sync(
        lambda: svc.jobs.list(limit, tuple(after) if after else None)
    )
    return JobList(jobs=jobs, next_cursor=encode_cursor(list(last)) if last else None)


@router.get("/jobs/{job_id}", response_model=JobOut, responses={404: {"model": ErrorOut}})
async def get_job(job_id: str, svc: Svc) -> JobOut:
    """One job: queued, running, succeeded, partial (some files failed) or failed."""
    job = await anyio.to_thread.run_sync(svc.jobs.get, job_id)
    if job is None:
        raise ApiError(404, "not_found", f"no job {job_id}")
    return job
