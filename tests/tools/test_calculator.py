"""calculator: exact arithmetic on a parsed tree; anything but arithmetic is refused."""

from __future__ import annotations

import pytest

from docnav.tools import Calculator, ToolContext
from docnav.tools.calculator import evaluate


@pytest.mark.parametrize(
    "expr,value",
    [
        ("(10,329 - 9,583) / 10,329 * 100", (10329 - 9583) / 10329 * 100),
        ("$1,234,567 + 1", 1234568),
        ("12.5% * 200", 25.0),
        ("2^10", 1024),
        ("-(3 - 5) ** 2", -4),
        ("round(sqrt(2), 3)", 1.414),
        ("max(1, 2.5, -3)", 2.5),
        ("7 // 2 + 7 % 2", 4),
    ],
)
def test_arithmetic(expr, value):
    assert evaluate(expr) == pytest.approx(value)


@pytest.mark.parametrize(
    "expr",
    [
        "__import__('os').system('id')",
        "open('/etc/passwd').read()",
        "(1).__class__",
        "[x for x in range(10)]",
        "lambda: 1",
        "9 ** 9 ** 9",
        "1 / 0",
        "a + 1",
        "'a' * 3",
        "sqrt(-1)",
    ],
)
def test_everything_else_is_refused(tmp_path, expr):
    from docnav.ingestion import CorpusStore

    r = Calculator()(ToolContext(store=CorpusStore(tmp_path / "s")), {"expression": expr})
    assert not r.ok and r.text.startswith("Error:")


def test_result_text():
    from docnav.tools.calculator import Calculator as C

    assert C.name == "calculator"
    assert "1,024" in C().run(None, C.Args(expression="2**10")).text  # type: ignore[arg-type]
