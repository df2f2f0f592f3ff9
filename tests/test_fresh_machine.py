"""What a new user meets on a machine that is not ours: a checkout that names no path of our machines,
dependencies that are all declared, and `make test` that says what it could not run and how to fix it."""

import ast
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CODE = ["ccp", "admin_console", "bench", "tests", "manage.py"]


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
    # Our packages, and the benchmark scripts, which import one another from bench/ (run as scripts).
    own = {"ccp", "admin_console", "tests", "bench", "manage", *(p.stem for p in (ROOT / "bench").glob("*.py"))}
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
    """The files git tracks (what a fresh clone has), read as text."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        path = ROOT / name
        if path.suffix in {".sqlite3", ".png", ".pyc"} or not path.is_file():
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


# --- make test without a browser -------------------------------------------------------------------

ONE_BROWSER_TEST = "tests/browser/test_create_task.py::test_a_scheduled_task_arrives_when_it_is_due"
ONE_OTHER_TEST = (
    "tests/test_fresh_machine.py::test_every_declared_package_is_pinned_in_requirements_lock_at_the_pyprojects_version"
)


def _env(**changes):
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "DATABASE_URL", "REDIS_URL", "PYTEST_ADDOPTS")}
    env.update(changes)
    return env


def _pytest_without_chromium(**env):
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:xdist", ONE_OTHER_TEST, ONE_BROWSER_TEST],
        cwd=ROOT, env=_env(CHROMIUM_PATH="/nonexistent", **env), capture_output=True, text=True, timeout=300,
    )


def test_without_chromium_the_other_tests_pass_and_the_last_lines_name_the_browser_tests_and_the_fix():
    run = _pytest_without_chromium()
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.strip().splitlines()
    summary = next(i for i, line in enumerate(lines) if "1 passed" in line)
    assert "1 deselected" in lines[summary]
    after = "\n".join(lines[summary + 1:])
    assert "Not run: 1 browser test, because Chromium is not at /nonexistent:" in after
    assert ONE_BROWSER_TEST in after
    assert lines[-1].startswith("Install it with: sudo apt-get install chromium")


def test_under_ci_a_missing_chromium_fails_the_run_and_says_why():
    run = _pytest_without_chromium(CI="true")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 passed, 1 error" in run.stdout
    assert "Chromium not found at /nonexistent: install it with `sudo apt-get install chromium`" in run.stdout
    assert run.stdout.strip().splitlines()[-1].startswith("CI=true: 1 browser test failed because Chromium is not")


@pytest.mark.parametrize(("ci", "exit_code"), [(None, 0), ("true", 1)])
def test_ensure_chromium_stops_make_only_under_ci(ci, exit_code):
    env = _env(CHROMIUM_PATH="/nonexistent", **({"CI": ci} if ci else {}))
    run = subprocess.run([str(ROOT / "scripts" / "ensure-chromium")], env=env, capture_output=True, text=True)
    assert run.returncode == exit_code
    assert "sudo apt-get install chromium" in run.stderr


# --- a Python without venv -------------------------------------------------------------------------


def _python_without_ensurepip(tmp_path: Path) -> dict:
    """A PATH whose every python3.x is this interpreter with `ensurepip` hidden, as on Debian without
    python3.X-venv."""
    shadow = tmp_path / "shadow" / "ensurepip"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text('raise ImportError("ensurepip is packaged apart")\n')
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    real = os.path.realpath(sys.executable)
    for name in ("python3.14", "python3.13", "python3.12", "python3"):
        fake = bin_dir / name
        fake.write_text(f'#!/bin/sh\nPYTHONPATH={shadow.parent} exec {real} "$@"\n')
        fake.chmod(0o755)
    return _env(PATH=f"{bin_dir}:/usr/bin:/bin", HOME=str(tmp_path))


def test_find_python_names_the_venv_package_when_the_python_cannot_make_a_venv(tmp_path):
    run = subprocess.run([str(ROOT / "scripts" / "find-python")], env=_python_without_ensurepip(tmp_path),
                         capture_output=True, text=True)
    version = "{}.{}".format(*sys.version_info[:2])
    assert run.returncode == 1
    assert run.stdout == ""
    assert f"sudo apt-get install python{version}-venv" in run.stderr


def test_find_python_prints_a_python_that_can_make_a_venv():
    run = subprocess.run([str(ROOT / "scripts" / "find-python")], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    code = "import venv, ensurepip, sys; assert sys.version_info >= (3, 12)"
    check = subprocess.run([run.stdout.strip(), "-c", code])
    assert check.returncode == 0


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_a_failed_venv_leaves_no_half_made_venv_for_the_next_make(tmp_path):
    for name in ("Makefile", "requirements.lock", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "scripts").mkdir()
    broken = tmp_path / "broken-python"
    # `python -m venv DIR` that dies half-way, as it does without ensurepip: a python, no pip.
    broken.write_text('#!/bin/sh\nmkdir -p "$3/bin" && ln -s /bin/false "$3/bin/python" && exit 1\n')
    broken.chmod(0o755)
    finder = tmp_path / "scripts" / "find-python"
    finder.write_text(f"#!/bin/sh\necho {broken}\n")
    finder.chmod(0o755)
    run = subprocess.run(["make", "install"], cwd=tmp_path, env=_env(), capture_output=True, text=True)
    assert run.returncode != 0
    assert "Could not create .venv" in run.stderr
    assert not (tmp_path / ".venv").exists()
