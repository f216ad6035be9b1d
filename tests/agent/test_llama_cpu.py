"""The AMX workaround: read from /proc/cpuinfo, applied once, leaves other CPUs alone."""

from __future__ import annotations

import types
from pathlib import Path

import pytest

from docnav.agent.llm import llama_cpu


def _cpuinfo(tmp_path: Path, flags: str) -> Path:
    p = tmp_path / "cpuinfo"
    p.write_text(f"processor\t: 0\nmodel name\t: x\nflags\t\t: fpu sse2 avx2 {flags}\n")
    return p


def test_amx_is_read_from_the_flags_line(tmp_path: Path) -> None:
    assert llama_cpu.cpu_has_amx.__wrapped__(_cpuinfo(tmp_path, "avx512f amx_int8 amx_tile"))
    assert not llama_cpu.cpu_has_amx.__wrapped__(_cpuinfo(tmp_path, "avx512f avx512_vnni"))
    assert not llama_cpu.cpu_has_amx.__wrapped__(tmp_path / "absent")


class _Params:
    use_extra_bufts = True


def _fake_llama_cpp() -> types.SimpleNamespace:
    low = types.SimpleNamespace(llama_model_default_params=_Params)
    return types.SimpleNamespace(llama_cpp=low)


@pytest.mark.parametrize("amx", [True, False])
def test_extra_buffers_are_off_only_with_amx(monkeypatch: pytest.MonkeyPatch, amx: bool) -> None:
    monkeypatch.setattr(llama_cpu, "cpu_has_amx", lambda: amx)
    mod = _fake_llama_cpp()
    assert llama_cpu.without_extra_buffers(mod) is amx
    assert mod.llama_cpp.llama_model_default_params().use_extra_bufts is (not amx)
    assert llama_cpu.without_extra_buffers(mod) is False  # once per process
