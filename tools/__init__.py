"""The agent's navigation tools: typed, read-only, confined to the corpus store, bounded.

``default_tools()`` is the list the agent offers the model; each tool's docstring is the
description the model sees and its ``Args`` model the JSON schema."""

from docnav.tools.access import ToolError
from docnav.tools.base import PageRead, Tool, ToolContext, ToolResult
from docnav.tools.calculator import Calculator
from docnav.tools.catalog import Glob, ListDocuments
from docnav.tools.facts import Facts
from docnav.tools.grep import Grep
from docnav.tools.grep_backends import BACKENDS, GrepOptions, GrepOutput, rg_binary, run_backend
from docnav.tools.reading import FollowReference, Outline, ReadPages, ReadSection
from docnav.tools.search import Search


def default_tools() -> list[Tool]:
    """In the order a researcher uses them: find the filing, its outline, read, search,
    compute."""
    return [
        ListDocuments(),
        Outline(),
        ReadSection(),
        ReadPages(),
        FollowReference(),
        Search(),
        Grep(),
        Glob(),
        Facts(),
        Calculator(),
    ]


__all__ = [
    "BACKENDS",
    "Calculator",
    "Facts",
    "FollowReference",
    "Glob",
    "Grep",
    "GrepOptions",
    "GrepOutput",
    "ListDocuments",
    "Outline",
    "PageRead",
    "ReadPages",
    "ReadSection",
    "Search",
    "Tool",
    "ToolContext",
    "ToolError",
    "ToolResult",
    "default_tools",
    "rg_binary",
    "run_backend",
]
