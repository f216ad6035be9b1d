"""atheris (libFuzzer for Python) on the ingestion entry point, ``parse_file``.

Each input's first byte picks the file suffix (.pdf / .html / .txt / .md: the suffix changes
how a file is sniffed and parsed); the rest is the file's content. ``parse_file`` must return
a parsed document or raise :class:`IngestError` with a one-line reason: anything else (another
exception, a native crash, a hang) is a bug. docnav's own modules are instrumented for
coverage feedback; pypdfium2 and lxml are native and only exercised.

A Python exception does not stop the run: it is recorded once per (exception type, innermost
docnav frame), with the input and the traceback, under ``<work>/findings/``, and fuzzing goes on
so one run can find several bugs. An input slower than SLOW_S is recorded the same way; a
native crash or an input over libFuzzer's ``-timeout`` ends the run (libFuzzer writes it to
``-artifact_prefix``).

Run: ``python -m docnav.bench.fuzz_ingest WORK [libFuzzer flags] CORPUS_DIR...`` (the driver is
:func:`docnav.bench.fuzz.run_fuzz`, `docnav bench fuzz`).
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
import traceback
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["docnav"]):
    from docnav.errors import IngestError
    from docnav.ingestion.pipeline import IngestOptions, parse_file

SUFFIXES = (".pdf", ".html", ".txt", ".md")
SLOW_S = 10.0
# edgartools' second opinion only adds warnings and costs ~40% of HTML time: off, so the
# fuzzer gets more inputs through the parsers that decide what is stored
OPTS = IngestOptions(max_pages=200, edgartools_check=False)


def encode(suffix: str, content: bytes) -> bytes:
    """A corpus entry for ``content`` read as a ``suffix`` file."""
    return bytes([SUFFIXES.index(suffix)]) + content


class Target:
    def __init__(self, work: Path) -> None:
        self.work = work
        self.inputs = work / "inputs"
        self.findings = work / "findings"
        self.inputs.mkdir(parents=True, exist_ok=True)
        self.findings.mkdir(parents=True, exist_ok=True)
        self.seen: set[str] = {p.stem for p in self.findings.glob("*.json")}

    def __call__(self, data: bytes) -> None:
        if not data:
            return
        suffix = SUFFIXES[data[0] % len(SUFFIXES)]
        path = self.inputs / f"input{suffix}"
        path.write_bytes(data[1:])
        t0 = time.perf_counter()
        try:
            parse_file(path, OPTS)
        except IngestError:
            pass
        except Exception as exc:  # the bug class this fuzzer looks for
            self._record(data, suffix, exc, time.perf_counter() - t0)
            return
        secs = time.perf_counter() - t0
        if secs > SLOW_S:
            self._record(data, suffix, None, secs)

    def _record(self, data: bytes, suffix: str, exc: Exception | None, secs: float) -> None:
        if exc is None:
            kind, where, tb = "slow", f"over {SLOW_S:g} s", ""
        else:
            frames = traceback.extract_tb(exc.__traceback__)
            ours = [f for f in frames if "/docnav/" in f.filename or "/ingestion/" in f.filename]
            top = (ours or frames)[-1]
            kind = type(exc).__name__
            where = f"{Path(top.filename).name}:{top.lineno} ({top.name})"
            tb = "".join(traceback.format_exception(exc))
        key = hashlib.sha256(f"{kind}|{where}".encode()).hexdigest()[:12]
        if key in self.seen:
            return
        self.seen.add(key)
        (self.findings / f"{key}.input").write_bytes(data)
        finding = {
            "kind": kind,
            "where": where,
            "suffix": suffix,
            "message": str(exc)[:300] if exc else "",
            "seconds": round(secs, 3),
            "input_bytes": len(data) - 1,
            "input_head": data[1:200].decode("latin-1"),
            "traceback": tb[-3000:],
        }
        (self.findings / f"{key}.json").write_text(json.dumps(finding, indent=2))
        print(f"FINDING {kind} at {where} ({suffix}, {len(data) - 1} bytes)", flush=True)


def main() -> None:
    work = Path(sys.argv[1])
    atheris.Setup([sys.argv[0], *sys.argv[2:]], Target(work))
    atheris.Fuzz()


if __name__ == "__main__":
    main()
