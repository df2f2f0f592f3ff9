"""What a new user meets on a machine that is not ours: a checkout that names no path of our machines,
dependencies that are all declared, and `make test` that says what it could not run and how to fix it."""

import ast
import importlib.metadata
import os
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE = ["ccp", "admin_console", "bench", "tests", "manage.py"]
SKIP = {".git", ".venv", "__pycache__", "test-artifacts", "node_modules", ".pytest_cache", ".ruff_cache"}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    return _canonical(re.split(r"[\[=<>~! ;]", requirement, maxsplit=1)[0])


def _imported_top_level_modules() -> dict[str, set[str]]:
    """Every top-level module imported (at any depth in a file) by the project's code, and where."""
    found: dict[str, set[str]] = {}
    for top in CODE:
        paths = [ROOT / top] if top.endswith(".py") else sorted((ROOT / top).rglob("*.py"))
        for path in paths:
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    return found


def _declared(*, runtime_only: bool = False) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    if not runtime_only:
        for extra in project.get("optional-dependencies", {}).values():
            requirements += extra
    return {_requirement_name(r) for r in requirements}


def _undeclared(*, runtime_only: bool) -> list[str]:
    own = {"ccp", "admin_console", "tests", "bench", "manage"}
    distributions = importlib.metadata.packages_distributions()
    declared = _declared(runtime_only=runtime_only)
    missing = []
    for module, where in sorted(_imported_top_level_modules().items()):
        if runtime_only:
            where = {w for w in where if w.split("/")[0] in ("ccp", "admin_console", "manage.py")}
        if not where or module in sys.stdlib_module_names or module in own:
            continue
        names = {_canonical(d) for d in distributions.get(module, [module])}
        if not names & declared:
            missing.append(f"{module} (imported by {', '.join(sorted(where)[:3])})")
    return missing


def _locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[_requirement_name(name)] = version.strip()
    return pins


def test_every_package_the_code_or_its_tests_import_is_declared_in_pyproject():
    missing = _undeclared(runtime_only=False)
    assert missing == [], "imported but not declared in pyproject.toml: " + "; ".join(missing)


def test_every_package_the_server_imports_is_a_runtime_dependency_not_only_a_test_extra():
    missing = _undeclared(runtime_only=True)
    assert missing == [], "imported by the server but not in [project] dependencies: " + "; ".join(missing)


def test_every_declared_package_is_pinned_in_requirements_lock_at_the_pyprojects_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    locked = _locked()
    requirements = list(project["dependencies"]) + [
        r for extra in project.get("optional-dependencies", {}).values() for r in extra
    ]
    problems = []
    for requirement in requirements:
        name = _requirement_name(requirement)
        if name not in locked:
            problems.append(f"{name} is not in requirements.lock")
        elif "==" in requirement and requirement.split("==", 1)[1].strip() != locked[name]:
            problems.append(f"{name}: pyproject {requirement.split('==', 1)[1]} vs lock {locked[name]}")
    assert problems == []


def _text_files():
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in SKIP and not d.endswith(".egg-info")]
        for filename in filenames:
            if filename in SKIP:  # a worktree's .git is a file naming where the repository lives
                continue
            path = Path(dirpath) / filename
            if path.suffix in {".sqlite3", ".png", ".pyc"} or filename.startswith("db.sqlite3"):
                continue
            try:
                yield path, path.read_text()
            except (UnicodeDecodeError, OSError):
                continue


def test_no_file_in_the_checkout_names_a_directory_that_exists_only_on_our_machines():
    # Spelled in pieces so this file does not match itself.
    ours = re.compile("|".join(re.escape("/" + d + "/") for d in ("work", "home", "root")))
    hits = [
        f"{path.relative_to(ROOT)}:{number}"
        for path, text in _text_files()
        for number, line in enumerate(text.splitlines(), 1)
        if ours.search(line)
    ]
    assert hits == []
