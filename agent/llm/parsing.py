"""Lenient parsing of what models write: tool-call arguments and hermes-style ``<tool_call>`` blocks.

Small models (and servers without a tool parser) produce near-JSON: code fences, single quotes,
trailing commas, Python literals, a missing closing brace. Repair what is unambiguous; otherwise
return the error text so the loop can show it to the model once.
"""

from __future__ import annotations

import ast
import json
import re
import uuid
from typing import Any

from docnav.agent.llm.base import ToolCall

_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$")
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_THINK = re.compile(r"<think>.*?(</think>|$)", re.S)
_TOOL_CALL = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.S)


def new_call_id() -> str:
    return "call_" + uuid.uuid4().hex[:16]


def strip_thinking(text: str) -> str:
    """Drop ``<think>…</think>`` (Qwen3 without a reasoning parser)."""
    return _THINK.sub("", text).strip()


def _balance(text: str) -> str:
    """Close brackets a truncated object left open (outside strings)."""
    stack: list[str] = []
    in_str = esc = False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]" and stack:
            stack.pop()
    return text + ('"' if in_str else "") + "".join(reversed(stack))


def _literal_default(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError(f"{type(value).__name__} is not JSON")


def _as_json(value: Any) -> Any:
    """A Python literal as the JSON it stands for. ``{"doc"}`` is a set to Python, and a set
    in a stored tool call breaks the chat template's ``tojson`` when the thread is rendered
    again (a follow-up question): sets become lists; complex numbers and the like fail."""
    return json.loads(json.dumps(value, default=_literal_default))


def loads_lenient(text: str) -> Any:
    """json.loads with repairs; raises ValueError with a short reason when nothing works."""
    text = _FENCE.sub("", text.strip())
    if not text:
        return {}
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        first_error = e
    start = text.find("{")
    candidates = [text[start:]] if start > 0 else []
    candidates.append(text)
    for cand in candidates:
        fixed = _TRAILING_COMMA.sub(r"\1", cand)
        for attempt in (fixed, _balance(fixed)):
            try:
                return json.loads(attempt)
            except json.JSONDecodeError:
                pass
            try:  # Python literals: single quotes, True/False/None
                value = ast.literal_eval(attempt)
                if isinstance(value, dict | list):
                    return _as_json(value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                pass
        # a complete first object followed by junk
        try:
            value, _ = json.JSONDecoder().raw_decode(cand)
            return value
        except json.JSONDecodeError:
            pass
    raise ValueError(f"invalid JSON ({first_error.msg} at char {first_error.pos})")


def parse_arguments(raw: str | dict[str, Any] | None) -> tuple[dict[str, Any], str | None]:
    """(arguments, parse_error) from a tool call's arguments as sent by a server."""
    if raw is None:
        return {}, None
    if isinstance(raw, dict):
        return raw, None
    try:
        value = loads_lenient(raw)
    except ValueError as e:
        return {}, f"could not parse the arguments {raw[:200]!r}: {e}"
    if isinstance(value, str):  # double-encoded
        try:
            value = loads_lenient(value)
        except ValueError:
            pass
    if not isinstance(value, dict):
        return {}, f"arguments must be a JSON object, got {type(value).__name__}: {raw[:200]!r}"
    return value, None


def parse_call_object(body: str, tool_names: set[str] | None = None) -> ToolCall:
    """One hermes call body ``{"name": ..., "arguments": {...}}`` into a ToolCall."""
    try:
        obj = loads_lenient(body)
    except ValueError as e:
        return ToolCall(
            id=new_call_id(),
            name="",
            raw_arguments=body,
            parse_error=f"tool call {e}: {body[:200]!r}",
        )
    if not isinstance(obj, dict):
        return ToolCall(
            id=new_call_id(),
            name="",
            raw_arguments=body,
            parse_error="tool call must be a JSON object",
        )
    fn = obj.get("function") if isinstance(obj.get("function"), dict) else obj
    name = str(fn.get("name") or "")
    raw_args = fn.get("arguments", fn.get("parameters", {}))
    args, err = parse_arguments(raw_args if isinstance(raw_args, dict | str) else None)
    if err is None and not isinstance(raw_args, dict | str | type(None)):
        err = "arguments must be a JSON object"
    if not name:
        err = err or 'tool call has no "name"'
    elif tool_names is not None and name not in tool_names:
        err = err or f"unknown tool {name!r}; available: {', '.join(sorted(tool_names))}"
    return ToolCall(
        id=new_call_id(),
        name=name,
        arguments=args,
        raw_arguments=raw_args if isinstance(raw_args, str) else None,
        parse_error=err,
    )


def split_hermes(text: str, tool_names: set[str] | None = None) -> tuple[str, list[ToolCall]]:
    """(content, tool calls) from text with ``<tool_call>{json}</tool_call>`` blocks (Qwen, Hermes)."""
    text = strip_thinking(text)
    if "<tool_call>" not in text:
        bare = _bare_call(text, tool_names)
        return ("", [bare]) if bare is not None else (text, [])
    calls = [parse_call_object(m.group(1), tool_names) for m in _TOOL_CALL.finditer(text)]
    content = text[: text.find("<tool_call>")].strip()
    return content, calls


def _bare_call(text: str, tool_names: set[str] | None) -> ToolCall | None:
    """A reply that is only ``{"name": <a known tool>, "arguments": …}`` without the tags."""
    body = _FENCE.sub("", text.strip())
    if not body.startswith("{") or tool_names is None:
        return None
    try:
        obj = loads_lenient(body)
    except ValueError:
        return None
    if isinstance(obj, dict) and obj.get("name") in tool_names and "arguments" in obj:
        return parse_call_object(body, tool_names)
    return None
