"""`docnav mcp`: docnav's read-only tools over the Model Context Protocol (official ``mcp`` SDK),
on stdio (an MCP client starts ``docnav mcp`` itself) or streamable HTTP (``--http``).

One adapter serves every tool: the MCP tool list is built from the same ``docnav.tools`` classes
the agent uses (name, docstring as the description, the ``Args`` JSON schema as the input
schema), and a call runs the same ``Tool.__call__`` (argument validation, errors as text the
caller can act on, bounded output) against the engine's ``ToolContext``: confined to the corpus
store, read-only, page numbers 1-based in every output. ``ask`` (an answer with citations, in
one of the answer modes) goes through the same adapter as a small Tool class over the engine.

Over HTTP the REST API's rules apply: API keys (``DOCNAV_API_KEYS`` / ``DOCNAV_API_KEY_FILE``)
as ``Authorization: Bearer``, compared in constant time, 401 JSON without; no key configured
means loopback only, and binding anything else is refused (``serving.server.check_bind``).
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Literal

import anyio
import mcp_types as types
from mcp.server.lowlevel import Server
from pydantic import BaseModel, Field

from docnav import __version__
from docnav.engine import Engine
from docnav.errors import DocnavError
from docnav.tools.access import ToolError
from docnav.tools.base import Tool, ToolContext, ToolResult

log = logging.getLogger("docnav.mcp")

# the read-only navigation tools offered over MCP, in the order a researcher uses them
TOOL_NAMES = ("list_documents", "outline", "read_section", "read_pages", "search", "grep")
# offered too where this build's default_tools() has them
OPTIONAL_TOOLS = ("facts",)

INSTRUCTIONS = (
    "docnav: SEC filings (10-K, 10-Q, 8-K, earnings releases). Call list_documents to find a "
    "filing's doc id, outline for its sections, then read_section / read_pages (pages are "
    "1-based everywhere), search or grep to find passages, facts (where offered) for statement "
    "line items across periods. ask answers a question with "
    "citations; a citation marked 'quote found, p. N' means its quote was found on page N of "
    "the text the model read (not that it proves the answer)."
)


class AnswerResult(ToolResult):
    structured: dict[str, Any] | None = None  # the Answer as JSON (citations, trace)


class Ask(Tool):
    """Answer a question about the filings with citations (document, 1-based page, quote).
    mode "agent" navigates the filings with tools (slower, better on multi-step questions);
    "rag" answers from the top search passages. A citation marked "quote found, p. N" had its
    quote found on page N of the pages the model read. Optionally scope it to one doc id."""

    name = "ask"

    class Args(BaseModel):
        question: str = Field(min_length=1, max_length=4000, description="The question.")
        mode: Literal["agent", "rag"] = Field(default="agent", description="Answer mode.")
        doc: str | None = Field(default=None, description="Only this doc id.")

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def run(self, ctx: ToolContext, args: Args) -> ToolResult:
        from docnav.render import answer_text

        cancel = threading.Event()  # the agent stops at its next step after the time limit
        timer = threading.Timer(self.engine.settings.serve.ask_timeout_s, cancel.set)
        timer.daemon = True
        timer.start()
        try:
            answer = self.engine.ask(args.question, args.mode, doc=args.doc, cancel=cancel)
        except Exception as exc:  # what a client may read: the REST API's message for it
            raise ToolError(_public_message(exc)) from exc
        finally:
            timer.cancel()
        return AnswerResult(
            text=answer_text(answer),
            summary=f"{args.mode} answer",
            structured=answer.model_dump(mode="json"),
        )


def mcp_tools(engine: Engine | None = None, ask: bool = True) -> list[Tool]:
    """The tools offered over MCP: the read-only navigation tools, ``facts`` when this build
    has it, and ``ask`` when an engine is given and ``ask`` is on."""
    from docnav.tools import default_tools

    by_name = {t.name: t for t in default_tools()}
    tools: list[Tool] = [by_name[n] for n in TOOL_NAMES]
    tools += [by_name[n] for n in OPTIONAL_TOOLS if n in by_name]
    if ask and engine is not None:
        tools.append(Ask(engine))
    return tools


def _pages_read(res: ToolResult) -> list[dict[str, Any]]:
    """The pages a result showed, 1-based, in order, once each."""
    seen: dict[tuple[str, int], None] = {}
    for r in res.reads:
        seen.setdefault((r.doc_id, r.page + 1), None)
    return [{"doc_id": d, "page": p} for d, p in seen]


def build_server(engine: Engine, ask: bool = True) -> Server:
    """The MCP server over ``engine``: one adapter from docnav ``Tool`` classes to MCP tools."""
    tools = {t.name: t for t in mcp_tools(engine, ask=ask)}
    ctx = engine.tool_context()
    # the index is rebuilt in place when the catalog changes and the local LLM runs one
    # question at a time: calls are served one after another
    lock = threading.Lock()

    listed = [
        types.Tool(
            name=t.name,
            description=t.description(),
            input_schema=t.parameters(),
            annotations=types.ToolAnnotations(
                read_only_hint=True,
                destructive_hint=False,
                idempotent_hint=True,
                open_world_hint=False,
            ),
        )
        for t in tools.values()
    ]

    async def list_tools(_ctx, _params) -> types.ListToolsResult:
        return types.ListToolsResult(tools=listed)

    def run_tool(tool: Tool, arguments: dict[str, Any]) -> ToolResult:
        with lock:
            return tool(ctx, arguments)

    async def call_tool(_ctx, params: types.CallToolRequestParams) -> types.CallToolResult:
        tool = tools.get(params.name)
        if tool is None:
            return _error(f"no tool {params.name!r}; the tools are {', '.join(tools)}")
        try:
            res = await anyio.to_thread.run_sync(run_tool, tool, dict(params.arguments or {}))
        except Exception as exc:  # noqa: BLE001 - Tool.__call__ returns errors as text already
            return _error(f"Error: {_public_message(exc)}")
        structured = getattr(res, "structured", None) or {
            "ok": res.ok,
            "truncated": res.truncated,
            "pages_read": _pages_read(res),
        }
        # a failure's text passes the REST API's filter (no server paths); results stay as read
        text = res.text if res.ok else _public(res.text)
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=text)],
            structured_content=structured,
            is_error=not res.ok,
        )

    return Server(
        "docnav",
        version=__version__,
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


def _error(text: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)


def _public(text: str) -> str:
    from docnav.serving.redact import public_text

    return public_text(text)


def _public_message(exc: Exception) -> str:
    """The REST API's client-safe message for an exception (no paths, no backend URLs); the
    full error goes to the log (stderr)."""
    from docnav.serving.errors import from_docnav
    from docnav.serving.redact import public_text

    e = from_docnav(exc)
    if e.status >= 500:
        log.error("MCP tool call failed: %s", exc, exc_info=e.status == 500)
    return public_text(e.message)


# -- transports ------------------------------------------------------------------------------


def run_stdio(engine: Engine, ask: bool = True) -> None:
    """Serve one client on stdin/stdout until it closes (stdout carries only protocol)."""
    from mcp.server.stdio import stdio_server

    server = build_server(engine, ask=ask)

    async def main() -> None:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())

    anyio.run(main)


class BearerKeys:
    """ASGI wrapper: the REST API's key rule (``serving.auth``) in front of the MCP app."""

    def __init__(self, app, keys: list[bytes]) -> None:
        self.app = app
        self.keys = keys

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and self.keys:
            from starlette.requests import Request

            from docnav.serving.auth import check_bearer
            from docnav.serving.errors import ApiError, error_response
            from docnav.serving.logs import new_request_id, request_id_var

            try:
                check_bearer(Request(scope), self.keys)
            except ApiError as e:
                given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
                rid = new_request_id(given)
                token = request_id_var.set(rid)
                try:
                    headers = {**e.headers, "X-Request-ID": rid}
                    await error_response(e.status, e.code, e.message, headers)(scope, receive, send)
                finally:
                    request_id_var.reset(token)
                return
        await self.app(scope, receive, send)


def http_app(engine: Engine, host: str = "127.0.0.1", ask: bool = True, path: str = "/mcp"):
    """The streamable-HTTP ASGI app (endpoint ``path``), behind the API-key check."""
    from docnav.serving.auth import load_keys

    server = build_server(engine, ask=ask)
    app = server.streamable_http_app(streamable_http_path=path, host=host)
    return BearerKeys(app, load_keys(engine.settings))


def run_http(engine: Engine, host: str = "127.0.0.1", port: int = 8001, ask: bool = True) -> None:
    """Streamable HTTP on ``host:port`` at /mcp; refuses a non-loopback bind without keys."""
    import uvicorn

    from docnav.serving.server import check_bind

    check_bind(engine.settings, host)
    uvicorn.run(http_app(engine, host=host, ask=ask), host=host, port=port, log_config=None)


def serve(
    engine: Engine,
    transport: str = "stdio",
    host: str = "127.0.0.1",
    port: int = 8001,
    ask: bool = True,
) -> None:
    if transport == "stdio":
        run_stdio(engine, ask=ask)
    elif transport == "http":
        run_http(engine, host=host, port=port, ask=ask)
    else:
        raise DocnavError(f"unknown MCP transport {transport!r}: stdio or http")
