"""A live ASGI server for the browser tests: daphne in a subprocess against a fresh SQLite file, with
the timer worker running and an RPC port for creating data inside that process (see liveserver.py).

pytest-django's live_server is WSGI and has no websockets, hence this.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from multiprocessing.connection import Client
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


INSTALL_CHROMIUM = "sudo apt-get install chromium"
_unrun = pytest.StashKey[list[str]]()


def chromium_path() -> str:
    """Where the browser tests look for Chromium: CHROMIUM_PATH, else `chromium` on PATH, else Debian's."""
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def chromium_missing() -> bool:
    path = chromium_path()
    return not (os.path.isfile(path) and os.access(path, os.X_OK))


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def pytest_collection_modifyitems(config, items):
    """Without Chromium, a developer's run leaves the browser tests out and says so in its last lines;
    under CI=true they stay and fail (see `chromium` below), so a CI machine without a browser is red."""
    browser = [item for item in items if item.get_closest_marker("browser")]
    if not browser or not chromium_missing():
        return
    config.stash[_unrun] = [item.nodeid for item in browser]
    if _ci():
        return
    config.hook.pytest_deselected(items=browser)
    items[:] = [item for item in items if not item.get_closest_marker("browser")]


def _tests(nodeids: list[str]) -> str:
    return f"{len(nodeids)} browser test{'' if len(nodeids) == 1 else 's'}"


def pytest_unconfigure(config):
    """Printed after pytest's own summary, so it is what the user reads last."""
    unrun = config.stash.get(_unrun, [])
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if not unrun or reporter is None:
        return
    if _ci():
        reporter.write_line(
            f"CI=true: {_tests(unrun)} failed because Chromium is not at {chromium_path()} "
            f"(set CHROMIUM_PATH or install it: {INSTALL_CHROMIUM}).",
            red=True,
        )
        return
    path = chromium_path()
    reporter.write_line(f"Not run: {_tests(unrun)}, because Chromium is not at {path}:", yellow=True)
    for nodeid in unrun:
        reporter.write_line(f"  {nodeid}")
    reporter.write_line(f"Install it with: {INSTALL_CHROMIUM}  (or set CHROMIUM_PATH), then run make test again.",
                        yellow=True)


@pytest.fixture(scope="session", autouse=True)
def chromium():
    """Under CI=true the browser tests are not left out: each fails here, before a server starts."""
    if chromium_missing():
        pytest.fail(f"Chromium not found at {chromium_path()}: install it with `{INSTALL_CHROMIUM}` "
                    "or set CHROMIUM_PATH.", pytrace=False)
    return chromium_path()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fresh_postgres(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


class LiveServer:
    """The embedded default (SQLite, in-memory layer) — or, in .ci/run's service pass, PostgreSQL and Redis
    (a database of its own next to the test database), so the panel is proven in both modes."""

    def __init__(self, db_path: Path):
        self.env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        # OUTBOUND_ALLOW_PRIVATE: the endpoints the integration tests start listen on 127.0.0.1, which the guarded
        # outbound client refuses unless the operator allows private addresses.
        self.env.update(EMBEDDED_WORKER="true", DJANGO_SETTINGS_MODULE="ccp.settings", OUTBOUND_ALLOW_PRIVATE="true")
        if os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"):
            # Under pytest-xdist each worker has a live server of its own: its own database and Redis index.
            worker = os.environ.get("PYTEST_XDIST_WORKER", "")
            database_url = os.environ["DATABASE_URL"].rstrip("/") + "_browser" + (f"_{worker}" if worker else "")
            _fresh_postgres(database_url)
            redis_url = os.environ["REDIS_URL"]
            if worker.removeprefix("gw").isdigit():
                redis_url = f"{redis_url.rsplit('/', 1)[0]}/{8 + int(worker.removeprefix('gw')) % 8}"
            self.env.update(DATABASE_URL=database_url, REDIS_URL=redis_url)
        else:
            self.env.update(SQLITE_PATH=str(db_path))
        self.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.port, self.rpc_port = _free_port(), _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None
        self._rpc = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.browser.liveserver", str(self.port), str(self.rpc_port)],
            cwd=ROOT,
            env=self.env,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    pass
                self._rpc = Client(("127.0.0.1", self.rpc_port), authkey=b"ccp-browser-tests")
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("live server did not start")

    def stop(self) -> None:
        if self._rpc is not None:
            self._rpc.close()
            self._rpc = None
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None

    def restart(self, *, down_for: float = 0.0) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()

    def call(self, function: str, **kwargs):
        self._rpc.send((function, kwargs))
        status, value = self._rpc.recv()
        if status != "ok":
            raise AssertionError(f"{function} failed in the live server:\n{value}")
        return value


@pytest.fixture(scope="session")
def live(tmp_path_factory):
    db_path = tmp_path_factory.mktemp("live") / "live.sqlite3"
    server = LiveServer(db_path)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=server.env, check=True
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def live_cast(live):
    """The cast of tests/cast.py, built inside the live server: {"alias", "ids", "users", "password"}."""
    alias = "c" + uuid.uuid4().hex[:8]
    return {**live.call("cast_setup", alias=alias), "alias": alias}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, chromium):
    return {**browser_type_launch_args, "executable_path": chromium, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1366, "height": 768}}


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


class ConsoleWatch:
    """Collects console errors and page errors; some tests expect the websocket to fail for a while."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on(
            "console",
            lambda msg: msg.type == "error" and self.errors.append(f"{msg.text} @ {msg.location.get('url', '')}"),
        )
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def unexpected(self, *, allow_websocket_failures: bool = False) -> list[str]:
        # The login page (not the panel's) has no favicon.
        errors = [e for e in self.errors if "/favicon.ico" not in e]
        if allow_websocket_failures:
            # While the server is down Chromium reports each failed attempt, and htmx logs its wsError
            # event (shown as "[object Event]"): expected during an outage, nothing else is.
            noise = ("WebSocket", "ERR_CONNECTION_REFUSED", "[object Event]")
            errors = [e for e in errors if not any(n in e for n in noise)]
        return errors


def sign_in(page, live, username: str, password: str) -> None:
    """Sign in through the login page and wait to leave it (wherever the user's profile lands them)."""
    page.goto(live.url + "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def login(page, live, username: str, password: str) -> ConsoleWatch:
    watch = ConsoleWatch(page)
    sign_in(page, live, username, password)
    page.wait_for_url("**/ccp/")
    page.wait_for_selector("body:not(.ws-down)")
    # Controls stay disabled from page load until the socket's first state arrives (no stale buttons);
    # a test that types at once on a loaded machine would type into a disabled control.
    page.wait_for_selector("#status-select:not([disabled])")
    return watch
