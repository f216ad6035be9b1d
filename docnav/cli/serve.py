"""Serving the store: `docnav serve` (REST) and `docnav mcp` (Model Context Protocol)."""

from __future__ import annotations

from typing import Annotated

import typer

from docnav.cli.common import HomeOpt, err, fail, open_engine, settings_for
from docnav.errors import DocnavError

app = typer.Typer()


@app.command()
def serve(
    home: HomeOpt = None,
    host: Annotated[
        str, typer.Option(help="Interface to bind; anything but loopback needs API keys.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes.")] = 1,
) -> None:
    """Run the REST API (OpenAPI at /docs) over the same store and indexes as the CLI.
    Keys: DOCNAV_API_KEYS (comma-separated) or DOCNAV_API_KEY_FILE; without one the
    service binds 127.0.0.1 only."""
    from docnav.serving.server import check_bind
    from docnav.serving.server import serve as run_server

    settings = settings_for(home)
    try:
        err.print(check_bind(settings, host))
        run_server(settings, host=host, port=port, workers=workers)
    except DocnavError as exc:
        fail(exc)


@app.command()
def mcp(
    home: HomeOpt = None,
    http: Annotated[
        bool, typer.Option("--http", help="Streamable HTTP at /mcp instead of stdio.")
    ] = False,
    host: Annotated[
        str, typer.Option(help="--http: interface to bind; anything but loopback needs API keys.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="--http: TCP port.")] = 8001,
    no_ask: Annotated[
        bool, typer.Option("--no-ask", help="Offer the reading tools only, not ask (no LLM).")
    ] = False,
) -> None:
    """MCP server (Model Context Protocol) with docnav's read-only tools: list_documents,
    outline, read_section, read_pages, search, grep (facts where built) and ask. stdio by
    default (an MCP client starts `docnav mcp`); --http serves streamable HTTP at
    http://HOST:PORT/mcp with the REST API's key rules. Pages are 1-based."""
    from docnav.mcp_server import serve as serve_mcp
    from docnav.serving.server import check_bind

    engine = open_engine(home)
    try:
        if http:
            err.print(check_bind(engine.settings, host) + f"; MCP at http://{host}:{port}/mcp")
        serve_mcp(engine, "http" if http else "stdio", host=host, port=port, ask=not no_ask)
    except DocnavError as exc:
        fail(exc)
