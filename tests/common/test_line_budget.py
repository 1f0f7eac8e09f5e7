"""Line budget: no function in production code or scripts is over 60 lines,
unless it is on the allow-list below with the reason it reads better whole."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ROOTS = ("common", "users_project", "games_project", "scripts")
BUDGET = 60
# "path::function" -> why it stays longer than the budget.
ALLOWED: dict[str, str] = {
    "scripts/demo.py::main": (
        "the demo's nine steps read as one story, top to bottom: small closures over "
        "one session and one state, then the list that runs them"
    ),
}


def functions_over_budget(root: Path = REPO) -> dict[str, int]:
    """``path::function`` -> length in lines, for every function over the budget."""
    over: dict[str, int] = {}
    for top in ROOTS:
        for path in sorted((root / top).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = (node.end_lineno or node.lineno) - node.lineno + 1
                    if length > BUDGET:
                        over[f"{path.relative_to(root).as_posix()}::{node.name}"] = length
    return over


def covers(allowance: str, name: str) -> bool:
    """``path::function`` allows that function; ``path::*`` every one in the file."""
    return name == allowance or (allowance.endswith("::*") and name.startswith(allowance[:-1]))


def test_no_function_is_over_the_line_budget_unless_allowed_with_a_reason() -> None:
    over = functions_over_budget()
    unexplained = {
        name: length
        for name, length in over.items()
        if not any(covers(allowance, name) for allowance in ALLOWED)
    }
    assert not unexplained, f"over {BUDGET} lines: split them or allow them with a reason"


def test_the_checker_catches_a_long_function(tmp_path: Path) -> None:
    (tmp_path / "common").mkdir()
    body = "\n".join(f"    x{i} = {i}" for i in range(BUDGET))
    (tmp_path / "common" / "long.py").write_text(f"def long() -> None:\n{body}\n")
    (tmp_path / "common" / "short.py").write_text("def short() -> None:\n    pass\n")
    assert functions_over_budget(tmp_path) == {"common/long.py::long": BUDGET + 1}


def test_every_allowance_names_a_function_that_still_needs_it() -> None:
    over = functions_over_budget()
    stale = [a for a in ALLOWED if not any(covers(a, name) for name in over)]
    assert not stale, f"allowed but no longer over the budget: {stale}"
