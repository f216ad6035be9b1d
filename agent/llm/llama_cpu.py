"""llama.cpp on CPUs with AMX: load weights without the extra (repacking) buffer types.

llama-cpp-python 0.3.36 built natively on an AMX CPU (Sapphire Rapids and later) repacks
k-quant weights into AMX buffers and then segfaults in the first ``decode`` (seen on this
project's 2-core VM, both GGUFs; the same build runs when ``use_extra_bufts`` is off).
llama-cpp-python has no argument for that field, so the default model parameters it reads
are wrapped once per process. CPUs without AMX keep llama.cpp's defaults (and its repacking).
"""

from __future__ import annotations

import functools
import runpy
import sys
from pathlib import Path
from typing import Any

_CPUINFO = Path("/proc/cpuinfo")


@functools.cache
def cpu_has_amx(cpuinfo: Path = _CPUINFO) -> bool:
    """Whether the CPU advertises AMX (``amx_int8`` / ``amx_tile`` in /proc/cpuinfo)."""
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[-1].split())
            return bool(flags & {"amx_int8", "amx_tile"})
    return False


def without_extra_buffers(llama_cpp: Any) -> bool:
    """Make every later ``Llama(...)`` of this process load without extra buffer types
    when the CPU has AMX; returns whether it did (idempotent)."""
    low = llama_cpp.llama_cpp
    if not cpu_has_amx() or getattr(low.llama_model_default_params, "_docnav", False):
        return False
    original = low.llama_model_default_params

    def params() -> Any:
        p = original()
        p.use_extra_bufts = False
        return p

    params._docnav = True  # type: ignore[attr-defined]
    low.llama_model_default_params = params
    return True


def serve(argv: list[str] | None = None) -> None:
    """llama-cpp-python's OpenAI-compatible server (same arguments) with the AMX workaround:
    ``python -m docnav.agent.llm.llama_cpu --model M.gguf --host 127.0.0.1 --port 8080``."""
    import llama_cpp

    without_extra_buffers(llama_cpp)
    sys.argv = ["llama_cpp.server", *(sys.argv[1:] if argv is None else argv)]
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    serve()
