"""Progress of the engine's stages (``on_progress(stage, done, total)``: "bm25", "embed") as
people see it: a bar per stage on a terminal; otherwise one line per finished stage, so logs
and pipes show what the minutes went to without a redrawn bar's escape codes."""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

OnProgress = Callable[[str, int, int], None]


class StageProgress:
    """A context manager whose :attr:`on_progress` the engine calls; ``unit`` names what is
    counted ("chunks"), ``labels`` may say more per stage ({"embed": "chunks (MiniLM)"})."""

    def __init__(
        self,
        console: Console,
        unit: str = "chunks",
        labels: dict[str, str] | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.console = console
        self.clock = clock
        self.unit = unit
        self.labels = labels or {}
        self.interactive = console.is_terminal
        self._bars = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not self.interactive,
            transient=True,
        )
        self._tasks: dict[str, TaskID] = {}
        self._started: dict[str, float] = {}
        self._done: set[str] = set()
        # stages run one after another, and a stage's first report may come only after its
        # first batch (or the model load): it started when the one before it ended
        self._mark = clock()

    def _label(self, stage: str) -> str:
        return f"{stage} {self.labels.get(stage, self.unit)}"

    def on_progress(self, stage: str, done: int, total: int) -> None:
        if stage not in self._started:
            self._started[stage] = self._mark
            self._tasks[stage] = self._bars.add_task(self._label(stage), total=total)
        self._bars.update(self._tasks[stage], completed=done, total=total)
        if done >= total and stage not in self._done:
            self._done.add(stage)
            self._mark = self.clock()
            if not self.interactive:
                secs = self._mark - self._started[stage]
                self.console.print(
                    f"{stage}: {total:,} {self.labels.get(stage, self.unit)} in {secs:.1f}s",
                    markup=False,
                    highlight=False,
                    soft_wrap=True,
                )

    def __enter__(self) -> StageProgress:
        self._mark = self.clock()
        self._bars.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._bars.__exit__(exc_type, exc, tb)
