"""The `docnav` command line. Every command drives the same Engine as the API.

One module per job: store (ingest, remove), read (documents, outline, search, page, facts),
index, serve (serve, mcp), ask (ask, demo), synth; the benchmarks (bench, bench_infra,
bench_answers) load only when `docnav bench` runs. Shared options and errors: common."""

from docnav.cli.main import app

__all__ = ["app"]
