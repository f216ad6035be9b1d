"""The tool contract: argument handling the model sees (compact schema, null-tolerant)."""

from __future__ import annotations

from pydantic import BaseModel

from docnav.tools.base import Tool, ToolContext, ToolResult


class EchoArgs(BaseModel):
    doc: str
    cursor: str | None = None
    limit: int | None = None


class Echo(Tool):
    """Echo the arguments."""

    name = "echo"
    Args = EchoArgs

    def run(self, ctx: ToolContext, args: EchoArgs) -> ToolResult:
        return ToolResult(text=f"{args.doc}|{args.cursor}|{args.limit}")


def test_schema_is_compact() -> None:
    p = Echo.parameters()
    assert "title" not in p and all("title" not in v for v in p["properties"].values())
    assert p["properties"]["cursor"] == {"type": "string"}  # not anyOf [string, null]
    assert p["required"] == ["doc"]


def test_null_optional_arguments_mean_left_out() -> None:
    ctx = ToolContext(store=None)  # type: ignore[arg-type]
    for cursor in (None, "null", "None", ""):
        assert Echo()(ctx, {"doc": "d", "cursor": cursor, "limit": None}).text == "d|None|None"
    assert Echo()(ctx, {"doc": "d", "cursor": "p2:10"}).text == "d|p2:10|None"
    bad = Echo()(ctx, {"doc": None})  # a required field stays required
    assert not bad.ok and "doc" in bad.text
