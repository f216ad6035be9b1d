"""The tool contract: a tool is a small class whose docstring is the description the model
sees and whose ``Args`` pydantic model is the JSON schema of its arguments (PaperQA2 /
smolagents style). Tools are read-only, confined to the corpus store, bounded in output, and
return errors as text the model can act on (never raise into the loop).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, Field, ValidationError

from docnav.ingestion.store import CorpusStore
from docnav.settings import AgentSettings


class PageRead(BaseModel):
    """A page (0-based) of a document whose text the tool showed the model: the citation
    checker only accepts quotes from pages recorded here."""

    doc_id: str
    page: int
    text: str


class ToolResult(BaseModel):
    text: str  # what the model sees
    ok: bool = True
    reads: list[PageRead] = Field(default_factory=list)
    truncated: bool = False
    summary: str = ""  # one line for the streamed trace ("read pp. 45-47 of 3M_2018_10K")


@dataclass
class ToolContext:
    """What tools may touch. ``index`` is a ``docnav.retrieval.CorpusIndex`` (optional: the
    search tool needs it)."""

    store: CorpusStore
    index: Any = None
    max_chars: int = 12000  # per tool result
    grep_backend: str = "auto"
    extra: dict[str, Any] = field(default_factory=dict)
    grep_timeout_s: float = 10.0
    grep_max_matches: int = 200
    grep_max_filesize: int = 64 * 2**20  # bytes
    grep_max_unfiltered_docs: int = 500  # 0: an unfiltered grep is never refused

    @classmethod
    def from_settings(
        cls, store: CorpusStore, index: Any = None, settings: AgentSettings | None = None
    ) -> ToolContext:
        """A context with the tool limits of ``settings`` (``Settings().agent``; None: the
        defaults)."""
        settings = settings if settings is not None else AgentSettings()
        return cls(
            store=store,
            index=index,
            max_chars=settings.tool_max_chars,
            grep_backend=settings.grep_backend,
            grep_timeout_s=settings.grep_timeout_s,
            grep_max_matches=settings.grep_max_matches,
            grep_max_filesize=int(settings.grep_max_filesize_mb * 2**20),
            grep_max_unfiltered_docs=settings.grep_max_unfiltered_docs,
        )


class Tool:
    name: ClassVar[str]
    Args: ClassVar[type[BaseModel]]

    @classmethod
    def description(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def parameters(cls) -> dict[str, Any]:
        return _strip_titles(cls.Args.model_json_schema())

    def run(self, ctx: ToolContext, args: BaseModel) -> ToolResult:  # pragma: no cover
        raise NotImplementedError

    def __call__(self, ctx: ToolContext, arguments: dict[str, Any]) -> ToolResult:
        """Validate the model's arguments and run; every failure comes back as text."""
        # small models fill optional fields with null or "null": treat both as left out
        required = set(self.Args.model_json_schema().get("required", []))
        arguments = {
            k: v
            for k, v in (arguments or {}).items()
            if k in required
            or not (v is None or (isinstance(v, str) and v.strip().lower() in ("null", "none", "")))
        }
        try:
            args = self.Args.model_validate(arguments)
        except ValidationError as e:
            errs = "; ".join(
                f"{'.'.join(map(str, x['loc'])) or 'arguments'}: {x['msg']}" for x in e.errors()
            )
            return ToolResult(text=f"Error: bad arguments for {self.name}: {errs}", ok=False)
        try:
            return self.run(ctx, args)
        except Exception as e:  # noqa: BLE001 - the model must see the error, the loop goes on
            return ToolResult(text=f"Error: {self.name} failed: {e}", ok=False)


def _strip_titles(node: Any) -> Any:
    """Compact the schema the model sees on every call (the tool list is sent each turn):
    no pydantic titles (they repeat the property names), and an optional ``X | None`` field
    shown as plain ``X`` with no ``default: null`` (leaving it out means None)."""
    if isinstance(node, dict):
        any_of = node.get("anyOf")
        if isinstance(any_of, list) and len(any_of) == 2 and {"type": "null"} in any_of:
            other = next(x for x in any_of if x != {"type": "null"})
            node = {**{k: v for k, v in node.items() if k != "anyOf"}, **other}
            if node.get("default", 0) is None:
                node.pop("default")
        return {
            k: _strip_titles(v)
            for k, v in node.items()
            if not (k == "title" and isinstance(v, str))
        }
    if isinstance(node, list):
        return [_strip_titles(v) for v in node]
    return node
