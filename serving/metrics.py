"""Prometheus metrics, one registry per app (tests build many apps in one process).

With ``--workers N`` each worker process counts its own requests; scrape each or run one
worker per container."""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from docnav.types import Answer

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.requests = Counter(
            "docnav_http_requests", "HTTP requests", ["method", "route", "status"], registry=r
        )
        self.latency = Histogram(
            "docnav_http_request_seconds",
            "Time to the response's first byte",
            ["method", "route"],
            buckets=_BUCKETS,
            registry=r,
        )
        self.errors = Counter("docnav_errors", "Error responses by code", ["code"], registry=r)
        self.jobs = Counter("docnav_jobs", "Ingestion jobs finished", ["status"], registry=r)
        self.jobs_running = Gauge("docnav_jobs_running", "Ingestion jobs running", registry=r)
        self.files = Counter(
            "docnav_ingested_files", "Files ingested by jobs", ["status"], registry=r
        )
        self.ask_in_flight = Gauge("docnav_ask_in_flight", "Questions being answered", registry=r)
        self.ask_rejected = Counter(
            "docnav_ask_rejected", "Questions refused with 503 (all slots busy)", registry=r
        )
        self.llm_calls = Counter("docnav_llm_calls", "LLM calls made by answers", registry=r)
        self.llm_tokens = Counter(
            "docnav_llm_tokens", "LLM tokens used by answers", ["direction"], registry=r
        )
        self.tool_calls = Counter("docnav_tool_calls", "Agent tool calls", ["tool"], registry=r)

    def observe_answer(self, answer: Answer) -> None:
        t = answer.trace
        self.llm_calls.inc(t.llm_calls)
        self.llm_tokens.labels("in").inc(t.tokens_in)
        self.llm_tokens.labels("out").inc(t.tokens_out)
        for step in t.steps:
            if step.kind == "tool" and step.tool:
                self.tool_calls.labels(step.tool).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
