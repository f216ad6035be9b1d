"""Output that survives pipes: a table for people on a terminal, plain tab-separated lines
when stdout is a pipe or a file (one record a line, no wrapping, no colour), JSON on request.
``--json`` stays as the short form of ``--format json``."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Annotated, Any, Literal

import typer

from docnav.cli.common import console, fail
from docnav.errors import DocnavError

Format = Literal["table", "tsv", "json"]
FORMATS: tuple[Format, ...] = ("table", "tsv", "json")

FormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format",
        help="table | tsv | json (default: table on a terminal, tsv when piped).",
        show_default=False,
    ),
]


def pick_format(fmt: str | None, json_out: bool) -> Format:
    """The format asked for, else the one that fits where stdout goes."""
    if fmt is not None and fmt not in FORMATS:
        fail(DocnavError(f"unknown --format {fmt!r}; choose table, tsv or json"))
    if json_out:
        if fmt not in (None, "json"):
            fail(DocnavError(f"--json and --format {fmt} ask for two formats; give one"))
        return "json"
    if fmt is not None:
        return fmt  # type: ignore[return-value]
    return "table" if console.is_terminal else "tsv"


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _cell(v: object) -> str:
    # a tab or a line break inside a value would split the record: they become spaces
    return "" if v is None else " ".join(str(v).split())


def print_tsv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """A header line, then one tab-separated line per row."""
    out = sys.stdout
    out.write("\t".join(header) + "\n")
    for row in rows:
        out.write("\t".join(_cell(v) for v in row) + "\n")


def print_text(text: str) -> None:
    """Text exactly as stored: no re-wrapping, no markup, one trailing newline."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
