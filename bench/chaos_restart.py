"""Redis and PostgreSQL restarted under a running service-mode server: nothing is lost, panels show the
truth again, requests fail cleanly (503) while the database is away and work after, with no restart of ours.

    .venv/bin/python bench/chaos_restart.py [--redis-port 6379] [--redis-db 13] [--postgres restart|block]

Starts one `manage.py serve` (service mode: scratch database CHAOS_DATABASE_URL, default
taskcenter_h13_restart, dropped and migrated first; Redis at --redis-port/--redis-db; the timer worker in
the process) with 5 Available agents, each with a panel websocket that reconnects after any close as
static/js/panel.js does (1–2 s later). Then:

1. Redis: `redis-cli -p PORT shutdown nosave`, StartTaskContact ×5 while it is down, `redis-server
   --daemonize yes --port PORT --save "" --appendonly no`, then 5 more tasks. Checked: every call got an
   answer (which statuses), every task exists, and within 15 s every task offered to an agent shows on
   that agent's panel (the offer frame names it) — whether the socket survived or reconnected.
2. PostgreSQL: `--postgres restart` runs `pg_ctlcluster --skip-systemctl-redirect <version> main restart`
   (every database on the machine!); `--postgres block` closes only the scratch database to new
   connections and ends its sessions for 5 s (ALLOW_CONNECTIONS false + pg_terminate_backend). Meanwhile
   StartTaskContact and a panel page are called every 0.2 s. Checked: while it is away every answer is
   503 (ServiceUnavailableException / the 503 page), never a 500 or a hang; after it is back the server
   (the same pid) creates tasks again, and how long that took.
"""

import argparse
import asyncio
import os
import secrets
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from chaos_kill import Proc, free_port, trial_seed  # noqa: E402

PYTHON = sys.executable
DB_URL = os.environ.get("CHAOS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/taskcenter_h13_restart")
AGENTS = 5


def sessions_for(instance) -> dict[str, str]:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from ccp.models import User

    out = {}
    for user in User.objects.filter(instance=instance):
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        out[user.id] = store.session_key
    return out


class Panels:
    """One websocket per agent in a background event loop; remembers which offers each panel showed."""

    def __init__(self, port: int, sessions: dict[str, str]):
        self.port, self.sessions = port, sessions
        self.shown: dict[str, set[str]] = {uid: set() for uid in sessions}
        self.reconnects = Counter()
        self.errors = Counter()
        self.frames = Counter()
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        for uid in sessions:
            asyncio.run_coroutine_threadsafe(self.panel(uid), self.loop)

    async def panel(self, uid: str) -> None:
        import websockets

        first = True
        while True:
            try:
                async with websockets.connect(
                    f"ws://127.0.0.1:{self.port}/ws/agent/",
                    additional_headers={"Cookie": f"sessionid={self.sessions[uid]}"},
                    origin=f"http://127.0.0.1:{self.port}",
                ) as sock:
                    if not first:
                        self.reconnects[uid] += 1
                    first = False
                    async for text in sock:
                        self.frames[uid] += 1
                        shown = set()
                        start = text.find('data-offer="')
                        while start >= 0:
                            shown.add(text[start + 12 : text.index('"', start + 12)])
                            start = text.find('data-offer="', start + 12)
                        self.shown[uid] |= shown
            except Exception as exc:  # closed, refused, reset: as a browser, try again
                self.errors[type(exc).__name__] += 1
            await asyncio.sleep(1 + (hash(uid) % 1000) / 1000)  # as panel.js: 1–2 s after a close


def api_client(port: int, seed: dict):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "connect",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id=seed["key"],
        aws_secret_access_key=seed["secret"],
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=2, read_timeout=30),
    )


def start_task(client, seed: dict, name: str) -> tuple[str, str | None, float]:
    """(status, contact id, seconds): status is "200" or the HTTP status and AWS error code."""
    from botocore.exceptions import BotoCoreError, ClientError

    t = time.monotonic()
    try:
        answer = client.start_task_contact(
            InstanceId=seed["instance"].id, ContactFlowId=seed["flow_id"], Name=name, ClientToken=name
        )
        return "200", answer["ContactId"], time.monotonic() - t
    except ClientError as exc:
        meta = exc.response["ResponseMetadata"].get("HTTPStatusCode")
        return f"{meta} {exc.response['Error']['Code']}", None, time.monotonic() - t
    except BotoCoreError as exc:
        return f"no answer ({type(exc).__name__})", None, time.monotonic() - t


def offered_to(contact_ids: list[str]) -> dict[str, str]:
    from django.db import close_old_connections

    from ccp.models import Contact

    close_old_connections()
    return dict(Contact.objects.filter(pk__in=contact_ids, agent__isnull=False).values_list("id", "agent_id"))


def redis_phase(port: int, args, seed: dict, panels: Panels) -> bool:
    client = api_client(port, seed)
    print(f"\n== Redis restart (port {args.redis_port})")
    subprocess.run(["redis-cli", "-p", str(args.redis_port), "shutdown", "nosave"], capture_output=True)
    down_at = time.monotonic()
    during = [start_task(client, seed, f"redis-down-{i}-{secrets.token_hex(3)}") for i in range(5)]
    subprocess.run(
        ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", str(args.redis_port)]
        + ["--save", "", "--appendonly", "no"],
        check=True,
        capture_output=True,
    )
    print(f"  Redis was down {time.monotonic() - down_at:.1f} s")
    time.sleep(0.5)
    after = [start_task(client, seed, f"redis-back-{i}-{secrets.token_hex(3)}") for i in range(5)]
    print(f"  StartTaskContact while Redis was down: {dict(Counter(s for s, _, _ in during))}")
    print(f"  StartTaskContact after it came back:   {dict(Counter(s for s, _, _ in after))}")
    ids = [cid for _, cid, _ in during + after if cid]
    from ccp.models import Contact

    lost = len(during) + len(after) - Contact.objects.filter(pk__in=ids).count()
    deadline = time.monotonic() + 15
    while True:
        owners = offered_to(ids)
        missing = {cid: uid for cid, uid in owners.items() if cid not in panels.shown[uid]}
        if (not missing and len(owners) == len(ids)) or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    seen_after = time.monotonic() - down_at
    print(
        f"  tasks answered {len(ids)}/10, lost {lost}; offered {len(owners)}, shown on their agent's panel "
        f"{len(owners) - len(missing)} ({seen_after:.1f} s after the shutdown); "
        f"panel reconnects {sum(panels.reconnects.values())} {dict(panels.errors)}"
    )
    ok = lost == 0 and not missing and len(ids) == 10 and len(owners) == len(ids)
    print(f"  {'OK' if ok else 'FAILED'}")
    return ok


def postgres_block(name: str, allow: bool) -> None:
    import psycopg

    admin = DB_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"true" if allow else "false"}')
        if not allow:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])


def postgres_phase(port: int, args, seed: dict, server: Proc) -> bool:
    import urllib3
    from django.db import connection

    client = api_client(port, seed)
    pid = server.popen.pid
    print(f"\n== PostgreSQL {'restart (the whole cluster)' if args.postgres == 'restart' else 'blocked (scratch db)'}")
    down = threading.Event()
    back = threading.Event()
    answers_down, answers_back, pages_down = Counter(), Counter(), Counter()
    recovered = {}
    slowest = [0.0]
    session = next(iter(sessions_for(seed["instance"]).values()))
    connection.close()

    def caller():
        n = 0
        while not down.is_set():
            time.sleep(0.05)
        while True:
            n += 1
            status, cid, secs = start_task(client, seed, f"pg-{n}-{secrets.token_hex(3)}")
            slowest[0] = max(slowest[0], secs)
            page = urllib3.request(
                "GET",
                f"http://127.0.0.1:{port}/ccp/",
                headers={"Cookie": f"sessionid={session}"},
                redirect=False,
                timeout=30,
                retries=False,
            )
            if back.is_set():
                answers_back[status] += 1
                if status == "200":
                    recovered.setdefault("at", time.monotonic())
                    if answers_back["200"] >= 3:
                        return
            else:
                answers_down[status] += 1
                pages_down[page.status] += 1
            time.sleep(0.2)

    t = threading.Thread(target=caller, daemon=True)
    t.start()
    name = DB_URL.rsplit("/", 1)[1]
    if args.postgres == "restart":
        down.set()
        cluster = os.listdir("/etc/postgresql")[0]
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"], check=True, capture_output=True
        )
        back_at = time.monotonic()
    else:
        postgres_block(name, allow=False)
        down.set()
        time.sleep(5)
        postgres_block(name, allow=True)
        back_at = time.monotonic()
    back.set()
    t.join(60)
    again = recovered.get("at")
    print(f"  while away: StartTaskContact {dict(answers_down)}; panel page {dict(pages_down)}")
    print(f"  after:      StartTaskContact {dict(answers_back)}")
    print(
        f"  working again {again - back_at:.1f} s after PostgreSQL was back; slowest answer {slowest[0]:.1f} s; "
        f"same server process: {server.popen.poll() is None and server.popen.pid == pid}"
        if again
        else "  NOT working again within 60 s"
    )
    clean = all(s.startswith("503") or s == "200" for s in answers_down) and all(c in (200, 503) for c in pages_down)
    ok = bool(again) and clean and server.popen.poll() is None
    print(f"  {'OK' if ok else 'FAILED'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--redis-port", type=int, default=6379)
    parser.add_argument("--redis-db", type=int, default=13)
    parser.add_argument("--postgres", choices=["restart", "block", "skip"], default="restart")
    parser.add_argument("--redis", choices=["restart", "skip"], default="restart")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE",)}
    env.update(
        DJANGO_SETTINGS_MODULE="ccp.settings",
        DATABASE_URL=DB_URL,
        REDIS_URL=f"redis://127.0.0.1:{args.redis_port}/{args.redis_db}",
        EMBEDDED_WORKER="true",
        DB_POOL_TIMEOUT="3",
        LOG_LEVEL=os.environ.get("CHAOS_LOG_LEVEL", "CRITICAL"),
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
    )
    dbname, admin = DB_URL.rsplit("/", 1)[1], DB_URL.rsplit("/", 1)[0] + "/postgres"
    for sql in (f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)', f'CREATE DATABASE "{dbname}"'):
        subprocess.run(["psql", admin, "-q", "-c", sql], check=True, capture_output=True)
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    os.environ.update(env)
    import django

    django.setup()
    seed = trial_seed(0, AGENTS, offer_timeout=3600)  # the panels here never accept
    sessions = sessions_for(seed["instance"])
    port = free_port()
    server = Proc("web", [PYTHON, "manage.py", "serve", "--port", str(port)], env, port)
    results = []
    try:
        server.wait_ready()
        panels = Panels(port, sessions)
        time.sleep(2)
        print(f"panels connected: {len(panels.frames)} of {len(sessions)} have their state", flush=True)
        if args.redis == "restart":
            results.append(redis_phase(port, args, seed, panels))
        if args.postgres != "skip":
            results.append(postgres_phase(port, args, seed, server))
    finally:
        server.stop()
    print(f"\n{'all OK' if all(results) else 'FAILURES'}")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
