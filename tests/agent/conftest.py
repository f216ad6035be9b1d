"""Fixtures shared by the agent tests: llama.cpp's OpenAI-compatible server standing in for vLLM."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server(small_gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama-cpp-python's OpenAI-compatible server on 127.0.0.1 with the 0.5B model."""
    pytest.importorskip("llama_cpp.server", reason="install with: pip install -e '.[local]'")
    port = _free_port()
    cmd = [
        sys.executable,
        "-m",
        "docnav.agent.llm.llama_cpu",  # llama_cpp.server, with the AMX workaround
        "--model",
        str(small_gguf),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--chat_format",
        "chatml-function-calling",  # structured tool_calls for named tools
        "--n_ctx",
        "4096",  # the free agent loop's system prompt, tools and a page
    ]
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    # the server logs a lot while loading: into a file, not an unread pipe that would fill up
    log_f = open(log, "wb")  # noqa: SIM115
    proc = subprocess.Popen(cmd, stdout=log_f, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 180
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama.cpp server exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                urllib.request.urlopen(url + "/models", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("llama.cpp server did not start within 180 s")
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log_f.close()
