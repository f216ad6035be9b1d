"""Ingestion jobs: progress (files, pages, per-file results and errors)."""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import APIRouter, Query

from docnav.serving.errors import ApiError
from docnav.serving.schemas import ErrorOut, JobList, JobOut
from docnav.serving.service import Svc

router = APIRouter(prefix="/v1", tags=["jobs"])


@router.get("/jobs", response_model=JobList)
async def list_jobs(svc: Svc, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> JobList:
    """Most recent jobs first."""
    return JobList(jobs=await anyio.to_thread.run_sync(svc.jobs.list, limit))


@router.get("/jobs/{job_id}", response_model=JobOut, responses={404: {"model": ErrorOut}})
async def get_job(job_id: str, svc: Svc) -> JobOut:
    """One job: queued, running, succeeded, partial (some files failed) or failed."""
    job = await anyio.to_thread.run_sync(svc.jobs.get, job_id)
    if job is None:
        raise ApiError(404, "not_found", f"no job {job_id}")
    return job
