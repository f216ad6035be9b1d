"""The ``calculator`` tool: arithmetic on a parsed expression tree (no ``eval``): numbers,
+ - * / // % **, parentheses and a few functions. Nothing else parses, so no code runs."""

from __future__ import annotations

import ast
import math
import operator
import re

from pydantic import BaseModel, Field

from docnav.tools.access import ToolError
from docnav.tools.base import Tool, ToolContext, ToolResult

_BIN = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY = {ast.UAdd: operator.pos, ast.USub: operator.neg}
_FUNCS = {
    "abs": abs,
    "round": round,
    "min": min,
    "max": max,
    "sqrt": math.sqrt,
    "log": math.log,
    "log10": math.log10,
    "exp": math.exp,
}
_GROUPED = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")  # "1,234,567" -> "1234567"
_PERCENT = re.compile(
    r"(\d+(?:\.\d+)?|\.\d+)\s*%(?!\s*[\d(.])"
)  # "12.5%" -> "(12.5/100)"; "7 % 2" stays


def evaluate(expression: str) -> float:
    text = expression.replace("$", "").replace("\u2212", "-").replace("^", "**")
    text = _PERCENT.sub(r"(\1/100)", _GROUPED.sub("", text))
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as e:
        raise ToolError(f"cannot parse {expression!r}: {e.msg}") from None
    return float(_eval(tree.body))


def _eval(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _BIN:
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Pow) and (abs(right) > 64 or abs(left) > 1e12):
            raise ToolError("exponent too large")
        try:
            return _BIN[type(node.op)](left, right)
        except ZeroDivisionError:
            raise ToolError("division by zero") from None
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_eval(node.operand))
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCS
        and not node.keywords
        and len(node.args) <= 8
    ):
        try:
            return _FUNCS[node.func.id](*[_eval(a) for a in node.args])
        except (ValueError, TypeError) as e:
            raise ToolError(f"{node.func.id}: {e}") from None
    raise ToolError(
        "only numbers, + - * / // % ** ( ) and abs, round, min, max, sqrt, log, log10, exp "
        "are allowed"
    )


class Calculator(Tool):
    """Evaluate arithmetic exactly instead of doing it in your head: ratios, growth rates,
    margins, sums. Numbers may be written with thousands commas or "$"; "12.5%" means 0.125.
    Example: "(10,329 - 9,583) / 10,329 * 100". Functions: abs, round, min, max, sqrt, log,
    log10, exp."""

    name = "calculator"

    class Args(BaseModel):
        expression: str = Field(min_length=1, max_length=300, description="The arithmetic.")

    def run(self, ctx: ToolContext, args: Args) -> ToolResult:
        value = evaluate(args.expression)
        if not math.isfinite(value):
            raise ToolError("the result is not a finite number")
        shown = f"{value:,.6f}".rstrip("0").rstrip(".") if abs(value) < 1e15 else f"{value:.6g}"
        return ToolResult(text=f"{args.expression} = {shown}", summary=f"= {shown}")
