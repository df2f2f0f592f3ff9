"""Settings come from the environment; production settings pass `check --deploy`."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from ccp.settings import envbool

ROOT = Path(__file__).resolve().parent.parent


def test_a_boolean_setting_refuses_anything_but_true_or_false(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes")
    with pytest.raises(ImproperlyConfigured):
        envbool("X_FLAG", "false")
    monkeypatch.setenv("X_FLAG", "TRUE")
    assert envbool("X_FLAG", "false") is True


def test_production_settings_pass_the_deploy_check():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(
        DEBUG="false",
        SECRET_KEY="a-long-random-production-secret-" + "k" * 40,
        ALLOWED_HOSTS="tasks.example.com",
        HTTPS_ENABLED="true",
        DJANGO_SETTINGS_MODULE="ccp.settings",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_without_environment_the_embedded_default_is_sqlite_and_in_memory():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    code = (
        "import django,os;os.environ['DJANGO_SETTINGS_MODULE']='ccp.settings';django.setup();"
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CHANNEL_LAYERS['default']['BACKEND'])"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["ccp.sqlite", "channels.layers.InMemoryChannelLayer"]


def test_database_and_redis_urls_select_service_mode():
    env = dict(os.environ, DATABASE_URL="postgres://u@db.example:5432/x", REDIS_URL="redis://cache:6379/0")
    code = (
        "import django,os;os.environ['DJANGO_SETTINGS_MODULE']='ccp.settings';django.setup();"
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CHANNEL_LAYERS['default']['BACKEND'])"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["django.db.backends.postgresql", "channels_redis.core.RedisChannelLayer"]


def _python_files():
    for folder in ("ccp", "admin_console"):
        yield from (p for p in (ROOT / folder).rglob("*.py") if "migrations" not in p.parts)


def test_only_the_settings_module_reads_the_environment():
    # asgi.py only names the settings module, which settings can't do for itself; create_instance reads the first
    # admin's password for one run, which must not stay in the settings of every process.
    allowed = {
        ROOT / "ccp" / "settings.py",
        ROOT / "ccp" / "asgi.py",
        ROOT / "ccp" / "management" / "commands" / "create_instance.py",
    }
    readers = [
        str(p.relative_to(ROOT))
        for p in _python_files()
        if p not in allowed and re.search(r"os\.environ|os\.getenv|getenv\(", p.read_text())
    ]
    assert readers == []


def test_every_environment_variable_is_in_the_readmes_configuration_table():
    source = (ROOT / "ccp" / "settings.py").read_text()
    names = set(re.findall(r"""(?:env\w*|os\.environ\.get)\(\s*["']([A-Z][A-Z0-9_]*)["']""", source))
    readme = (ROOT / "README.md").read_text()
    table = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    assert names, "no environment variable found in settings.py"
    assert sorted(n for n in names if f"`{n}`" not in table) == []


def test_the_servers_start_up_heap_is_frozen_out_of_full_collections():
    """ccp.asgi (daphne, `manage.py serve`) imports every view, then freezes its heap (ccp/ops/heap.py): a full
    garbage collection later walks only what requests made, not Django and the views."""
    env = dict(os.environ, SECRET_KEY="x" * 50, DJANGO_SETTINGS_MODULE="ccp.settings")
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    code = (
        "import gc, sys; import ccp.asgi;"
        "view = sys.modules['ccp.panel.views'].contact_transfer_form;"
        "print(gc.get_freeze_count(), any(o is view for o in gc.get_objects()))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    frozen, view_in_reach = out.stdout.split()
    assert int(frozen) > 10_000, out.stderr
    assert view_in_reach == "False"  # the views module was imported before the freeze, and frozen with it
