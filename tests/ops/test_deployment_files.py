"""Docker is not available where the tests run, so the deployment files are checked for what can be
checked without it: they parse, they name real services and real management commands, and the
commands' flags are ones those commands accept."""

import configparser
import json
import re
import shlex
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands, load_command_class

ROOT = Path(__file__).resolve().parent.parent.parent

DOCKERFILE_INSTRUCTIONS = {
    "FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER",
    "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
}


def assert_real_management_command(argv: list[str]) -> str:
    """argv runs `manage.py <command> ...` with a command that exists and flags that it accepts."""
    index = next(i for i, word in enumerate(argv) if word.endswith("manage.py"))
    name, args = argv[index + 1], argv[index + 2 :]
    commands = get_commands()
    assert name in commands, f"{name} is not a management command"
    parser = load_command_class(commands[name], name).create_parser("manage.py", name)
    parser.parse_args(args)  # exits (SystemExit) on an unknown flag
    return name


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text()
    logical = re.sub(r"\\\n", " ", text)
    rows = []
    for line in logical.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            rows.append((keyword, rest.strip()))
    return rows


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_every_dockerfile_line_is_a_known_instruction():
    rows = dockerfile_instructions()
    assert [keyword for keyword, _ in rows if keyword not in DOCKERFILE_INSTRUCTIONS] == []
    assert rows[0] == ("FROM", "python:3.12-slim")


def test_the_image_installs_the_lock_and_collects_static_files():
    runs = " ".join(rest for keyword, rest in dockerfile_instructions() if keyword == "RUN")
    assert "pip install -r requirements.lock" in runs
    assert "manage.py collectstatic --noinput" in runs
    copied = [rest.split()[0] for keyword, rest in dockerfile_instructions() if keyword == "COPY"]
    assert all((ROOT / source).exists() for source in copied)


def test_the_images_command_serves_without_the_embedded_worker_on_all_interfaces():
    (cmd,) = [rest for keyword, rest in dockerfile_instructions() if keyword == "CMD"]
    argv = json.loads(cmd)
    assert assert_real_management_command(argv) == "serve"
    assert "--no-worker" in argv and argv[argv.index("--host") + 1] == "0.0.0.0"


def test_compose_runs_postgres_redis_two_web_processes_a_worker_and_a_proxy():
    services = compose()["services"]
    assert {"postgres", "redis", "web1", "web2", "worker", "proxy"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert assert_real_management_command(services["worker"]["command"]) == "run_worker"


def test_compose_web_processes_serve_behind_the_proxy_with_proxy_headers_on():
    services = compose()["services"]
    for name in ("web1", "web2"):
        web = services[name]
        assert assert_real_management_command(web["command"]) == "serve"
        assert "--proxy-headers" in web["command"]
        assert web["environment"]["PROXY_HEADERS"] == "true"
        assert web["environment"]["DATABASE_URL"].startswith("postgres://")
        assert web["environment"]["REDIS_URL"].startswith("redis://")
        assert "ports" not in web, "only the proxy may reach a process that trusts X-Forwarded-*"
    assert "8080:80" in services["proxy"]["ports"]


def test_compose_applies_migrations_before_web_and_worker_start():
    services = compose()["services"]
    assert assert_real_management_command(services["migrate"]["command"]) == "migrate"
    for name in ("web1", "web2", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_compose_mounts_an_nginx_config_that_exists_and_routes_to_both_web_processes():
    (mount,) = compose()["services"]["proxy"]["volumes"]
    source = ROOT / mount.split(":")[0]
    config = source.read_text()
    assert re.findall(r"server (web\d):8000", config) == ["web1", "web2"]


@pytest.fixture
def nginx_config() -> str:
    return (ROOT / "deploy/nginx/taskcenter.conf").read_text()


def test_nginx_passes_websocket_upgrades(nginx_config):
    assert "proxy_http_version 1.1;" in nginx_config
    assert "proxy_set_header Upgrade $http_upgrade;" in nginx_config
    assert "proxy_set_header Connection $connection_upgrade;" in nginx_config
    assert re.search(r"map \$http_upgrade \$connection_upgrade \{\s*default upgrade;", nginx_config)


def test_nginx_sets_the_forwarded_headers_and_keeps_the_signed_host(nginx_config):
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Port", "X-Request-Id"):
        assert f"proxy_set_header {header} " in nginx_config
    assert "proxy_set_header Host $http_host;" in nginx_config


def test_nginx_config_braces_balance_and_statements_end(nginx_config):
    code = "\n".join(line.split("#", 1)[0] for line in nginx_config.splitlines())
    assert code.count("{") == code.count("}")
    for line in code.splitlines():
        line = line.strip()
        assert not line or line.endswith(("{", "}", ";")), line


def systemd_unit(name: str) -> configparser.ConfigParser:
    # systemd allows repeated keys (Environment=) and uses % specifiers, so: not strict, no interpolation.
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string((ROOT / "deploy/systemd" / name).read_text())
    return parser


@pytest.mark.parametrize(
    ("unit", "command"), [("web@.service", "serve"), ("worker.service", "run_worker")]
)
def test_systemd_units_parse_and_start_a_real_management_command(unit, command):
    parsed = systemd_unit(unit)
    assert {"Unit", "Service", "Install"} <= set(parsed.sections())
    argv = shlex.split(parsed["Service"]["ExecStart"].replace("%i", "8001"))
    assert argv[0].startswith("/") and argv[0].endswith("python")
    assert assert_real_management_command(argv) == command
    assert parsed["Service"]["Restart"] == "on-failure"
    assert parsed["Install"]["WantedBy"] == "multi-user.target"


def test_the_systemd_web_unit_listens_on_its_instance_port_behind_the_proxy():
    exec_start = systemd_unit("web@.service")["Service"]["ExecStart"]
    assert "--port %i" in exec_start and "--host 127.0.0.1" in exec_start and "--proxy-headers" in exec_start
