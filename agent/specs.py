"""The tool list as the model is shown it. Every model call resends it whole (with the system
prompt), so in a guided run of four calls its ~1,800 tokens cost more prompt tokens than
anything the run reads (results/answers-cost). The lean list keeps each tool's name, first
sentence and argument names and types, and leaves out what only repeats a default or the
system prompt: a small model copied ``k=5, mode="hybrid"`` into every search it made.

Built once per runner, so it stays byte-identical across the calls of a run (prefix cache).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from docnav.agent.final import FINAL_ANSWER
from docnav.agent.llm.base import ToolSpec
from docnav.tools.base import Tool

# arguments whose defaults serve the guided loop: search ranks with its own default mode and k
# (the first look already ran rag's search), so these only invite the model to copy them
_DEFAULTED = {"search": ("k", "mode", "form")}
# schema keys that constrain values the tool validates anyway
_VALIDATED = ("minLength", "maxLength", "default")
# an argument's description is kept where it shows a format ("FY2019", "Note 12"): a name and
# a type say the rest ("doc", "query", "start")
_FORMAT = re.compile(r'e\.g\.|"|1-based')


def tool_specs(tools: Sequence[Tool], lean: bool = False) -> list[ToolSpec]:
    """The specs of ``tools`` and final_answer, whole or lean."""
    specs = [
        ToolSpec(name=t.name, description=t.description(), parameters=t.parameters()) for t in tools
    ] + [FINAL_ANSWER]
    return [lean_spec(s) for s in specs] if lean else specs


def first_sentence(text: str) -> str:
    """A description's first sentence, on one line."""
    flat = " ".join(text.split())
    m = re.search(r"(?<=[a-z0-9)\]]{2})\.(?:\s|$)", flat)  # not the dot of "e.g."
    return flat[: m.end()].strip() if m else flat


def lean_spec(spec: ToolSpec) -> ToolSpec:
    """One tool, lean: the first sentence of its description, its arguments without the
    ones that only repeat a default, and short argument descriptions."""
    if spec.name == FINAL_ANSWER.name:
        return spec  # the answer's format: every field is used, keep it whole
    params = _lean_schema(spec.parameters, _DEFAULTED.get(spec.name, ()))
    return ToolSpec(name=spec.name, description=first_sentence(spec.description), parameters=params)


def _lean_schema(schema: dict[str, Any], drop: Sequence[str]) -> dict[str, Any]:
    props = {
        name: {
            k: v
            for k, v in p.items()
            if k not in _VALIDATED and (k != "description" or _FORMAT.search(str(v)))
        }
        for name, p in (schema.get("properties") or {}).items()
        if name not in drop
    }
    out: dict[str, Any] = {"type": "object", "properties": props}
    required = [r for r in schema.get("required", []) if r in props]
    if required:
        out["required"] = required
    return out
