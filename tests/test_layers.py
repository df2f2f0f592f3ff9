"""The layers in pyproject.toml ([tool.importlinter]) hold, and no two of our modules import each other."""

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
OURS = ("from ccp", "import ccp", "from admin_console", "import admin_console")


def test_the_import_contracts_hold():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-logo", "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _cycles(graph, modules: set[str]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), i.e. the import cycles."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module) & modules:
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(modules):
        if module not in index:
            visit(module)
    return found


def test_no_two_of_our_modules_import_each_other_even_through_others():
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
    graph = grimp.build_graph("ccp", "admin_console", cache_dir=None)
    modules = {m for m in graph.modules if not m.startswith("ccp.migrations")}
    assert _cycles(graph, modules) == []


def test_our_modules_import_each_other_at_the_top_unless_a_comment_says_why():
    hidden = []
    for path in sorted([*(ROOT / "ccp").rglob("*.py"), *(ROOT / "admin_console").rglob("*.py")]):
        if "migrations" in path.parts:
            continue
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            stripped = line.strip()
            if not line.startswith((" ", "\t")) or not stripped.startswith(OURS):
                continue
            above = number - 1
            while above >= 0 and lines[above].strip().startswith(OURS):
                above -= 1
            if above < 0 or not lines[above].strip().startswith("#"):
                hidden.append(f"{path.relative_to(ROOT)}:{number + 1}: {stripped}")
    assert hidden == []
