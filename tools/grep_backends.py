"""Three engines behind one grep interface, compared in ``docnav bench grep``:

* ``rg``: the ripgrep binary from the ``ripgrep`` wheel (found beside this interpreter or in
  the wheel's RECORD, never on PATH), run with an argument list and ``--json``;
* ``pyripgrep``: the ``ripgrep-python`` native binding (no context lines, no timeout, skips
  lines that are not UTF-8, prints "path:line:text" strings);
* ``python``: a plain ``re`` scan, line by line.

All three search files named ``page-NNNN.txt`` (or the files given), never follow symlinks,
report 1-based line numbers, and stop at ``max_matches``.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from docnav.tools.access import PAGE_FILE, ToolError

BACKENDS = ("rg", "pyripgrep", "python")


class GrepPatternError(ToolError):
    """The pattern does not compile; the message says why."""


@dataclass
class GrepOptions:
    ignore_case: bool = False
    fixed_strings: bool = False
    context: int = 0
    max_matches: int = 200
    timeout_s: float = 10.0
    max_filesize: int = 64 * 2**20
    page_files_only: bool = True  # in folders, search only page-NNNN.txt


@dataclass
class GrepLine:
    path: str
    line_number: int  # 1-based
    text: str  # without the line terminator
    is_match: bool
    spans: list[tuple[int, int]] = field(default_factory=list)  # character offsets in text


@dataclass
class GrepOutput:
    lines: list[GrepLine]
    matches: int
    truncated: bool = False  # stopped at max_matches
    timed_out: bool = False
    seconds: float = 0.0


# ------------------------------------------------------------------------------ rg binary


@lru_cache(maxsize=1)
def rg_binary() -> Path | None:
    """The rg executable installed by the ``ripgrep`` wheel into this environment."""
    exe = "rg.exe" if os.name == "nt" else "rg"
    candidates = [Path(sys.executable).parent / exe]
    try:
        for f in metadata.distribution("ripgrep").files or []:
            if f.name == exe:
                candidates.append(Path(f.locate()).resolve())
    except metadata.PackageNotFoundError:
        pass
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    return None


def _decode(obj: dict) -> str:
    if "text" in obj:
        return obj["text"]
    return base64.b64decode(obj["bytes"]).decode("utf-8", errors="replace")


def _char_spans(raw: dict, text: str, subs: list[dict]) -> list[tuple[int, int]]:
    """rg reports byte offsets; the tool shows characters."""
    if "text" in raw and text.isascii():
        return [(s["start"], s["end"]) for s in subs]
    data = text.encode("utf-8") if "text" in raw else base64.b64decode(raw["bytes"])
    return [
        (
            len(data[: s["start"]].decode("utf-8", errors="replace")),
            len(data[: s["end"]].decode("utf-8", errors="replace")),
        )
        for s in subs
    ]


def rg_args(pattern: str, paths: list[Path], opts: GrepOptions, sort: bool = True) -> list[str]:
    exe = rg_binary()
    if exe is None:
        raise ToolError("the rg binary from the ripgrep wheel is not installed")
    args = [
        str(exe),
        "--json",
        "--no-config",  # ignore RIPGREP_CONFIG_PATH
        "--no-ignore",  # a planted .gitignore/.ignore must not hide pages
        "--no-follow",  # never follow symlinks while walking
        "--max-columns=4096",  # no effect on --json; lines are cut when shown
        f"--max-filesize={opts.max_filesize}",
        "--fixed-strings" if opts.fixed_strings else "--no-fixed-strings",
        "--ignore-case" if opts.ignore_case else "--case-sensitive",
        f"--context={opts.context}",
    ]
    if sort:
        args.append("--sort=path")  # deterministic order (doc, then page); single-threaded
    if opts.page_files_only:
        args.append("--glob=page-*.txt")
    args += ["--regexp", pattern, "--"]  # -e: a pattern such as "--pre=sh" stays a pattern
    args += [str(p) for p in paths]
    return args


def grep_rg(pattern: str, paths: list[Path], opts: GrepOptions, sort: bool = True) -> GrepOutput:
    t0 = time.perf_counter()
    args = rg_args(pattern, paths, opts, sort)
    proc = subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"PATH": os.defpath, "LC_ALL": "C.UTF-8"},
    )
    killed = threading.Event()

    def on_timeout() -> None:
        killed.set()
        proc.kill()

    timer = threading.Timer(opts.timeout_s, on_timeout)
    timer.start()
    lines: list[GrepLine] = []
    matches, truncated = 0, False
    try:
        assert proc.stdout is not None
        for raw_line in proc.stdout:
            ev = json.loads(raw_line)
            kind = ev["type"]
            if kind not in ("match", "context"):
                continue
            if truncated and kind == "match":
                break  # the after-context of the last kept match is in; stop rg here
            d = ev["data"]
            text = _decode(d["lines"]).rstrip("\r\n")
            is_match = kind == "match"
            spans = _char_spans(d["lines"], text, d["submatches"]) if is_match else []
            lines.append(GrepLine(_decode(d["path"]), d["line_number"], text, is_match, spans))
            if is_match:
                matches += 1
                truncated = matches >= opts.max_matches
    finally:
        timer.cancel()
        if proc.poll() is None:
            proc.kill()
        _, err = proc.communicate()
    if proc.returncode == 2 and not lines and not killed.is_set():
        msg = err.decode("utf-8", "replace").strip()
        if "regex" in msg or "parse error" in msg:
            raise GrepPatternError(f"invalid regex {pattern!r}: {msg}")
        raise ToolError(f"grep failed: {msg[:500]}")
    return GrepOutput(lines, matches, truncated, killed.is_set(), time.perf_counter() - t0)


# ------------------------------------------------------------------------------ pyripgrep


@lru_cache(maxsize=1)
def _pyripgrep():
    import pyripgrep  # noqa: PLC0415 - optional engine, imported on first use

    return pyripgrep.Grep()


_PYRG_LINE = re.compile(r"(.*?):(\d+):(.*)", re.DOTALL)


def grep_pyripgrep(pattern: str, paths: list[Path], opts: GrepOptions) -> GrepOutput:
    """The binding has no fixed-strings, context, timeout or file-size options: fixed strings
    are escaped here, context comes back empty (measured as such in the benchmark)."""
    t0 = time.perf_counter()
    pat = re.escape(pattern) if opts.fixed_strings else pattern
    g = _pyripgrep()
    lines: list[GrepLine] = []
    for p in paths:
        if p.is_symlink():
            continue
        try:
            found = g.search(
                pat,
                path=str(p),
                output_mode="content",
                n=True,
                i=opts.ignore_case or None,
                head_limit=opts.max_matches + 1,
            )
        except ValueError as e:
            raise GrepPatternError(f"invalid regex {pattern!r}: {e}") from None
        for row in found:
            m = _PYRG_LINE.fullmatch(row)
            if not m:
                continue
            path = Path(m.group(1))
            if opts.page_files_only and p.is_dir() and not PAGE_FILE.fullmatch(path.name):
                continue
            lines.append(GrepLine(str(path), int(m.group(2)), m.group(3), True))
    lines.sort(key=lambda x: (x.path, x.line_number))
    truncated = len(lines) > opts.max_matches
    lines = lines[: opts.max_matches]
    return GrepOutput(lines, len(lines), truncated, False, time.perf_counter() - t0)


# ------------------------------------------------------------------------------ pure Python


def _walk(paths: list[Path], page_files_only: bool) -> list[Path]:
    """Regular files under ``paths`` in path order; symlinks and hidden entries skipped."""
    out: list[Path] = []
    for p in paths:
        if p.is_symlink():
            continue
        if p.is_file():
            out.append(p)
            continue
        for root, dirs, files in os.walk(p, followlinks=False):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for f in sorted(files):
                fp = Path(root) / f
                if f.startswith(".") or fp.is_symlink():
                    continue
                if page_files_only and not PAGE_FILE.fullmatch(f):
                    continue
                out.append(fp)
    return out


def compile_python(pattern: str, opts: GrepOptions) -> re.Pattern[str]:
    flags = re.IGNORECASE if opts.ignore_case else 0
    try:
        return re.compile(re.escape(pattern) if opts.fixed_strings else pattern, flags)
    except re.error as e:
        raise GrepPatternError(f"invalid regex {pattern!r}: {e}") from None


def grep_python(pattern: str, paths: list[Path], opts: GrepOptions) -> GrepOutput:
    t0 = time.perf_counter()
    rx = compile_python(pattern, opts)
    prefilter = re.compile(rx.pattern, rx.flags | re.MULTILINE)
    deadline = t0 + opts.timeout_s
    lines: list[GrepLine] = []
    matches, truncated, timed_out = 0, False, False
    for f in _walk(paths, opts.page_files_only):
        if time.perf_counter() > deadline:
            timed_out = True
            break
        try:
            fd = os.open(f, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue
        with os.fdopen(fd, "rb") as fh:
            if os.fstat(fh.fileno()).st_size > opts.max_filesize:
                continue
            text = fh.read().decode("utf-8", errors="replace")
        if not prefilter.search(text):  # most files: one C-speed pass, no line loop
            continue
        rows = text.split("\n")
        if rows and rows[-1] == "":
            rows.pop()
        last_shown = -1
        for i, row in enumerate(rows):
            spans = [m.span() for m in rx.finditer(row)]
            if not spans:
                continue
            if truncated:
                break
            lo = max(i - opts.context, last_shown + 1)
            for j in range(lo, i):
                lines.append(GrepLine(str(f), j + 1, rows[j].rstrip("\r"), False))
            lines.append(GrepLine(str(f), i + 1, row.rstrip("\r"), True, spans))
            matches += 1
            last_shown = i
            hi = min(len(rows), i + 1 + opts.context)
            # after-context now; a later match inside it is re-labelled below
            for j in range(i + 1, hi):
                if rx.search(rows[j]) is not None:
                    break
                lines.append(GrepLine(str(f), j + 1, rows[j].rstrip("\r"), False))
                last_shown = j
            truncated = matches >= opts.max_matches
        if truncated:
            break
    return GrepOutput(lines, matches, truncated, timed_out, time.perf_counter() - t0)


def run_backend(name: str, pattern: str, paths: list[Path], opts: GrepOptions) -> GrepOutput:
    if name == "rg":
        return grep_rg(pattern, paths, opts)
    if name == "pyripgrep":
        return grep_pyripgrep(pattern, paths, opts)
    if name == "python":
        return grep_python(pattern, paths, opts)
    raise ToolError(f"unknown grep backend {name!r}; use one of {', '.join(BACKENDS)}")


def resolve_backend(name: str) -> str:
    """``auto``: rg when the wheel's binary is present (the benchmark's winner), else Python."""
    if name == "auto":
        return "rg" if rg_binary() is not None else "python"
    if name not in BACKENDS:
        raise ToolError(f"unknown grep backend {name!r}; use auto or one of {', '.join(BACKENDS)}")
    return name
