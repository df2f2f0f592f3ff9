"""No built-in secret: servers refuse to start without SECRET_KEY or its file; `check --deploy` refuses a weak key."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ccp.checks import secret_key_problem

ROOT = Path(__file__).resolve().parent.parent.parent


def run(args, tmp_path, **env_extra):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="ccp.settings",
        SECRET_KEY_FILE=str(tmp_path / "no-such-file"),
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
    )
    env.update(env_extra)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "command",
    [
        ["manage.py", "serve", "--port", "0"],
        ["manage.py", "run_worker"],
        ["-c", "import ccp.asgi"],
    ],
    ids=["serve", "run_worker", "daphne"],
)
def test_a_server_without_a_secret_key_refuses_to_start_and_names_the_variable(tmp_path, command):
    result = run(command, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "SECRET_KEY_FILE" in result.stderr, result.stderr


def test_one_off_commands_run_without_a_secret_key(tmp_path):
    result = run(["manage.py", "migrate", "--noinput", "-v", "0"], tmp_path)
    assert result.returncode == 0, result.stderr


def test_the_key_file_is_read_when_the_variable_is_unset(tmp_path):
    key_file = tmp_path / ".secret_key"
    key_file.write_text("k3y-from-the-file-" + "abcdefghij" * 5 + "\n")
    code = "import django;django.setup();from django.conf import settings as s;print(s.SECRET_KEY)"
    result = run(["-c", code], tmp_path, SECRET_KEY_FILE=str(key_file))
    assert result.stdout.strip() == "k3y-from-the-file-" + "abcdefghij" * 5


def test_the_environment_variable_wins_over_the_file(tmp_path):
    key_file = tmp_path / ".secret_key"
    key_file.write_text("from-the-file")
    code = "import django;django.setup();from django.conf import settings as s;print(s.SECRET_KEY)"
    result = run(["-c", code], tmp_path, SECRET_KEY_FILE=str(key_file), SECRET_KEY="from-the-environment")
    assert result.stdout.strip() == "from-the-environment"


@pytest.mark.parametrize(
    "key",
    ["dev-insecure-" + "x" * 50, "short-but-random-Zq8", "ab" * 40],
    ids=["old default", "short", "low entropy"],
)
def test_check_deploy_fails_on_a_key_that_is_not_secret(tmp_path, key):
    result = run(
        ["manage.py", "check", "--deploy"],
        tmp_path,
        SECRET_KEY=key,
        DEBUG="false",
        HTTPS_ENABLED="true",
        ALLOWED_HOSTS="tasks.example.com",
    )
    assert result.returncode != 0
    assert "ccp.E001" in result.stderr + result.stdout


def test_a_random_key_passes_the_secret_check():
    import secrets

    assert secret_key_problem(secrets.token_urlsafe(50)) == ""
    assert secret_key_problem("throwaway-" + secrets.token_urlsafe(50)) != ""


def test_make_run_writes_a_private_random_key_file_once(tmp_path):
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split(".secret_key: |", 1)[1].split("\n\n", 1)[0]
    assert "token_urlsafe(50)" in recipe and "umask 077" in recipe
    result = subprocess.run(
        ["make", "-s", "-f", str(ROOT / "Makefile"), "-o", ".venv/.installed", ".secret_key", f"PY={sys.executable}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    key_file = tmp_path / ".secret_key"
    first = key_file.read_text()
    assert len(first.strip()) >= 60 and oct(key_file.stat().st_mode & 0o777) == "0o600"
    subprocess.run(
        ["make", "-s", "-f", str(ROOT / "Makefile"), "-o", ".venv/.installed", ".secret_key", f"PY={sys.executable}"],
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
    )
    assert key_file.read_text() == first
    assert ".secret_key" in (ROOT / ".gitignore").read_text().split()


@pytest.mark.django_db
def test_a_demo_whose_api_key_was_encrypted_with_another_key_still_loads(settings):
    from ccp.demo.loader import demo_load
    from ccp.models import ApiKey
    from ccp.services.api_keys import api_key_secret

    settings.API_KEY_ENCRYPTION_KEY, settings.SECRET_KEY = "", "dev-insecure-" + "x" * 50
    demo_load()
    settings.SECRET_KEY = "a-new-random-key-from-dot-secret-key-" + "Zq8" * 10
    secret = demo_load().secret_access_key
    assert api_key_secret(ApiKey.objects.get(access_key_id="AKIADEMO0000000000001")) == secret
