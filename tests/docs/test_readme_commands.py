"""The README's and docs/' commands stay true: every ```bash block is marked, just above its
fence, with ``<!-- docs-test: run -->`` (run here, from the repository root, in one temporary
DOCNAV_HOME shared by the blocks in file order: README first, then docs/ by name) or
``<!-- docs-test: skip: REASON -->`` (installs, LLM calls, long benchmarks, servers); an
unmarked block fails. Relative links must name a file that exists and a heading in it, and
the README's test command must be the one .ci/run runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\s*$")
MARK = re.compile(r"<!--\s*docs-test:\s*(run|skip:\s*(?P<reason>.+?))\s*-->")
LINK = re.compile(r"\]\(([^)\s]+)\)")


class Block:
    def __init__(self, page: Path, line: int, lang: str, body: str, mark: str | None) -> None:
        self.page, self.line, self.lang, self.body, self.mark = page, line, lang, body, mark

    @property
    def name(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """Fenced blocks with the docs-test mark on the last non-blank line above the fence."""
    lines = page.read_text().splitlines()
    out, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        above = next((x for x in reversed(lines[:i]) if x.strip()), "")
        mark = MARK.search(above)
        body = "\n".join(lines[i + 1 : j])
        out.append(Block(page, i + 1, m.group(1), body, mark.group(1) if mark else None))
        i = j + 1
    return out


SHELL = [b for p in PAGES for b in blocks(p) if b.lang in ("bash", "sh", "shell")]


def test_every_shell_block_is_marked() -> None:
    unmarked = [b.name for b in SHELL if b.mark is None]
    assert not unmarked, (
        "mark these with <!-- docs-test: run --> or <!-- docs-test: skip: why --> above the "
        f"fence: {unmarked}"
    )


@pytest.fixture(scope="module")
def docs_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("docs") / "home"


@pytest.mark.parametrize("block", SHELL, ids=lambda b: b.name)
@pytest.mark.timeout(900)
def test_command_block(block: Block, docs_home: Path) -> None:
    if block.mark != "run":
        pytest.skip((block.mark or "unmarked").removeprefix("skip:").strip())
    if "../shared" in block.body and not SHARED.exists():
        pytest.skip(f"{SHARED} is absent: put the project's shared/ folder beside the repo")
    env = {**os.environ, "DOCNAV_HOME": str(docs_home), "COLUMNS": "100"}
    env.pop("DOCNAV_INGEST_EMBED", None)  # as a user runs them: embeddings at ingestion
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    r = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block.body],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=840,
    )
    assert r.returncode == 0, f"{block.name} exited {r.returncode}:\n{r.stdout}\n{r.stderr}"


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    return {_slug(m.group(1)) for m in re.finditer(r"^#+ (.+)$", text, flags=re.M)}


def test_relative_links_resolve() -> None:
    broken = []
    for page in PAGES:
        text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
        for target in LINK.findall(text):
            if re.match(r"[a-z]+:", target):
                continue  # http(s), mailto: not checked here
            path, _, anchor = target.partition("#")
            dest = (page.parent / path).resolve() if path else page
            if not dest.exists():
                broken.append(f"{page.name}: {target} (no such file)")
            elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
                broken.append(f"{page.name}: {target} (no such heading)")
    assert not broken, broken


def test_readme_test_command_is_what_ci_runs() -> None:
    readme = (REPO / "README.md").read_text()
    ci = (REPO / ".ci" / "run").read_text()
    cmd = next(line for line in ci.splitlines() if line.startswith("python3.11 -m venv"))
    assert f"\n{cmd}\n" in readme, "the README's test command differs from .ci/run's"
