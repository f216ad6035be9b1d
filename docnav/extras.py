"""Optional dependencies: packages only some commands need are installed as extras
(``pip install 'docnav[bench]'``); a command that needs one and finds it missing says which
extra to install instead of failing with a bare ImportError."""

from __future__ import annotations

import importlib
from types import ModuleType

from docnav.errors import DocnavError


class MissingExtraError(DocnavError):
    """A command needs a package from an extra that is not installed."""


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """``module`` imported, or a MissingExtraError naming the extra that provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            f"{purpose} needs {module.split('.')[0]}, which is not installed: "
            f"pip install 'docnav[{extra}]' (or -e '.[{extra}]' in a checkout)"
        ) from exc


def pyplot() -> ModuleType:
    """matplotlib.pyplot on the file-only Agg backend (benchmark charts; the ``bench`` extra)."""
    matplotlib = require("matplotlib", "bench", "drawing benchmark charts")
    matplotlib.use("Agg")
    return require("matplotlib.pyplot", "bench", "drawing benchmark charts")
