"""The layers of shared/DESIGN.md hold: import-linter keeps its contracts (pyproject.toml), a forbidden import
breaks them, and an import of another app placed inside a function says why on its line or the line above."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
APPS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["root_packages"]


def lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own virtualenv's tool on our own tree
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=cwd, capture_output=True, text=True, timeout=120,
    )


def test_every_contract_is_kept():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")


@pytest.mark.parametrize(("module", "line", "message"), [
    ("core/text.py", "import conversations.models", "core is not allowed to import conversations"),
    ("leads/selectors.py", "from sales.models import Sale", "leads is not allowed to import sales"),
    ("ai/replies.py", "from leads.models import Lead", "ai is not allowed to import leads"),
    ("integrations/base.py", "import ai.services", "integrations is not allowed to import ai"),
])
def test_a_forbidden_import_breaks_the_contracts(tmp_path, module, line, message):
    """On a copy of the tree: one upward import, and lint-imports fails naming it."""
    for app in APPS:
        shutil.copytree(ROOT / app, tmp_path / app, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / module
    target.write_text(target.read_text() + f"\n{line}  # a forbidden import, added by the test\n")
    result = lint(tmp_path)
    assert result.returncode == 1
    assert message in " ".join(result.stdout.split())


def _function_imports_of_other_apps() -> list[tuple[Path, int, str]]:
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text())
            for func in ast.walk(tree):
                if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for node in ast.walk(func):
                    if isinstance(node, ast.Import):
                        names = [alias.name for alias in node.names]
                    elif isinstance(node, ast.ImportFrom) and not node.level:
                        names = [node.module or ""]
                    else:
                        continue
                    if any(n.split(".")[0] in APPS and n.split(".")[0] != app for n in names):
                        found.append((path, node.lineno, names[0]))
    return sorted(set(found))


def test_an_import_of_another_app_inside_a_function_says_why():
    unexplained = []
    for path, lineno, name in _function_imports_of_other_apps():
        lines = path.read_text().splitlines()
        if "#" in lines[lineno - 1]:
            continue
        above = lineno - 2  # up through the imports (and a ``try:``) of the same group, to their comment
        while above >= 0 and lines[above].strip().startswith(("from ", "import ", "try:")):
            above -= 1
        if above < 0 or not lines[above].strip().startswith("#"):
            unexplained.append(f"{path.relative_to(ROOT)}:{lineno} {name}")
    assert unexplained == []
