"""Run one ``docnav`` CLI command with crash hooks (driven by bench/crash.py).

Every write the command makes under ``DOCNAV_HOME`` (file opens for writing, renames,
mkdir, unlink, rmtree: Python audit events) and every SQL statement it runs on a catalog
there (SQLite trace callback: BEGIN, INSERT, COMMIT ...) is one numbered *event*. With
``DOCNAV_CRASH_TRACE`` the events are appended to that file as ``N<TAB>unix time<TAB>label`` lines, written
unbuffered so a killed run leaves its trace; with ``DOCNAV_CRASH_KILL_AT=N`` the process
SIGKILLs itself just before event N happens. Hooks, not timers, so a kill lands exactly
"between the version folder's rename and the catalog transaction" or "at COMMIT", and the
same N means the same point in every run of the same command on the same input (with one
ingestion worker: ``-j 1``).

Usage: ``DOCNAV_HOME=... python -m docnav.bench.crash_child ingest FILES... -j 1``
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import sys
import time
from typing import Any

_UUIDISH = re.compile(r"[0-9a-f]{32}|(?<=\.)[0-9a-f]{8}(?=\.tmp)|(?<=-)[0-9a-f]{6}$")


class _Events:
    def __init__(self, home: str, kill_at: int, trace: str | None) -> None:
        self.home = home.rstrip(os.sep) + os.sep
        self.kill_at = kill_at
        self.n = 0
        # opened before the audit hook is installed, written with os.write (no audit event)
        self.fd = os.open(trace, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644) if trace else None

    def rel(self, path: Any) -> str | None:
        """``path`` relative to the home, or None when it is elsewhere (or not a path)."""
        if isinstance(path, int):
            return None
        try:
            p = os.fsdecode(os.fspath(path))
        except TypeError:
            return None
        p = os.path.abspath(p)
        if not p.startswith(self.home):
            return None
        # uuids differ between runs; the label should not
        return _UUIDISH.sub("*", p[len(self.home) :])

    def event(self, label: str) -> None:
        self.n += 1
        if self.fd is not None:
            line = f"{self.n}\t{time.time():.3f}\t{label}\n"
            os.write(self.fd, line.encode("utf-8", "replace"))
        if self.n == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    def audit(self, name: str, args: tuple) -> None:
        if name == "open":
            path, mode, flags = (tuple(args) + (None, None, 0))[:3]
            rel = self.rel(path)
            if rel is None:
                return
            if isinstance(mode, str):
                writing = any(c in mode for c in "wax+")
            else:  # os.open: flags only
                writing = bool((flags or 0) & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
            if writing:
                self.event(f"open-w {rel}")
        elif name == "os.rename":  # os.rename and os.replace
            src, dst = self.rel(args[0]), self.rel(args[1])
            if src is not None or dst is not None:
                self.event(f"rename {src} -> {dst}")
        elif name in ("shutil.rmtree", "os.remove", "os.mkdir", "os.rmdir", "os.truncate"):
            rel = self.rel(args[0])
            if rel is not None:
                self.event(f"{name.split('.')[-1]} {rel}")

    def sql(self, stmt: str) -> None:
        self.event("sql " + " ".join(stmt.split())[:60])


def install(home: str, kill_at: int = 0, trace: str | None = None) -> _Events:
    ev = _Events(os.path.realpath(home), kill_at, trace)
    sys.addaudithook(ev.audit)
    original = sqlite3.connect

    def connect(database, *args, **kwargs):  # type: ignore[no-untyped-def]
        conn = original(database, *args, **kwargs)
        if ev.rel(database) is not None:
            conn.set_trace_callback(ev.sql)
        return conn

    sqlite3.connect = connect  # type: ignore[assignment]
    return ev


def main(argv: list[str]) -> int:
    home = os.environ.get("DOCNAV_HOME")
    if not home:
        print("crash_child: set DOCNAV_HOME", file=sys.stderr)
        return 2
    install(
        home, int(os.environ.get("DOCNAV_CRASH_KILL_AT", "0")), os.environ.get("DOCNAV_CRASH_TRACE")
    )
    from docnav.cli import app

    sys.argv = ["docnav", *argv]
    try:
        app(prog_name="docnav")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
