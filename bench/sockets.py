"""How many agent panels one web process holds: N websockets against one `manage.py serve`, the memory
each costs, and StartTaskContact's latency with them connected against none.

    .venv/bin/python bench/sockets.py [--sockets 2000] [--service] [--calls 100]

Embedded (SQLite in a temporary directory, in-memory channel layer) by default; `--service` uses a scratch
PostgreSQL database (SOCKETS_DATABASE_URL, default taskcenter_h13_sockets) and Redis (SOCKETS_REDIS_URL,
default db 13). N agents (Available, concurrency 10) each get a session; the driver opens their panels'
websockets in waves of 100 (`--wave`) and waits for each one's first state frame. Printed: sockets held (open at
the end), the server's RSS before and after (VmRSS from /proc/<pid>/status) and the delta per socket,
and StartTaskContact (boto3, SigV4, one client, one call at a time) p50/p99 with no sockets, then with
all N connected (each task is offered to one of them, so its panel is pushed and rendered too).
The open-file limit is raised to its hard limit first (every socket is a descriptor on both sides).
Target: ≥ 2,000 sockets per process at ≤ 100 KiB each.
"""

import argparse
import asyncio
import os
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from chaos_kill import Proc, free_port, trial_seed  # noqa: E402
from chaos_restart import api_client, sessions_for  # noqa: E402

PYTHON = sys.executable
DB_URL = os.environ.get("SOCKETS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/taskcenter_h13_sockets")
REDIS_URL = os.environ.get("SOCKETS_REDIS_URL", "redis://127.0.0.1:6379/13")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def latencies(client, seed: dict, calls: int) -> list[float]:
    out = []
    for _ in range(calls):
        t = time.monotonic()
        client.start_task_contact(
            InstanceId=seed["instance"].id, ContactFlowId=seed["flow_id"], Name=f"Sockets {secrets.token_hex(3)}"
        )
        out.append(time.monotonic() - t)
    return out


class Held:
    """N websockets in a background event loop; each counts as held once its first state arrived."""

    def __init__(self, port: int, sessions: list[str], wave: int = 100):
        self.port, self.sessions, self.wave = port, sessions, wave
        self.ready = 0
        self.open = 0
        self.failed: dict[str, int] = {}
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.stop = None

    async def one(self, session: str, stop: asyncio.Event) -> None:
        import websockets

        try:
            async with websockets.connect(
                f"ws://127.0.0.1:{self.port}/ws/agent/",
                additional_headers={"Cookie": f"sessionid={session}"},
                origin=f"http://127.0.0.1:{self.port}",
                open_timeout=60,
                ping_interval=None,
                max_size=None,
            ) as sock:
                await sock.recv()
                self.ready += 1
                self.open += 1
                try:
                    reader = asyncio.ensure_future(self.drain(sock))
                    await stop.wait()
                    reader.cancel()
                finally:
                    self.open -= 1
        except Exception as exc:
            self.failed[type(exc).__name__] = self.failed.get(type(exc).__name__, 0) + 1

    async def drain(self, sock) -> None:
        async for _ in sock:
            pass

    async def open_all(self) -> None:
        self.stop = asyncio.Event()
        for i in range(0, len(self.sessions), self.wave):
            wave = [asyncio.ensure_future(self.one(s, self.stop)) for s in self.sessions[i : i + self.wave]]
            target = min(len(self.sessions), i + self.wave)
            while self.ready + sum(self.failed.values()) < target:
                await asyncio.sleep(0.05)
            del wave

    def run(self, coro, timeout=None):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def close_all(self) -> None:
        self.stop.set()
        await asyncio.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sockets", type=int, default=2000)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--service", action="store_true")
    parser.add_argument(
        "--wave", type=int, default=100, help="sockets opened at once (daphne drops a handshake after 5 s)"
    )
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    print(f"open files: soft limit {soft} raised to {hard}")

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(
        DJANGO_SETTINGS_MODULE="ccp.settings",
        EMBEDDED_WORKER="false",
        LOG_LEVEL="ERROR",
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
    )
    tmp = tempfile.mkdtemp()
    if args.service:
        dbname, admin = DB_URL.rsplit("/", 1)[1], DB_URL.rsplit("/", 1)[0] + "/postgres"
        for sql in (f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)', f'CREATE DATABASE "{dbname}"'):
            subprocess.run(["psql", admin, "-q", "-c", sql], check=True, capture_output=True)
        env.update(DATABASE_URL=DB_URL, REDIS_URL=REDIS_URL)
    else:
        env["SQLITE_PATH"] = os.path.join(tmp, "sockets.sqlite3")
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection

    from ccp.models import Instance

    seed = trial_seed(0, args.sockets, offer_timeout=3600)
    Instance.objects.filter(pk=seed["instance"].pk).update(api_rate_per_second=10**6, api_burst=10**6)
    from ccp.models import RoutingProfile

    RoutingProfile.objects.filter(instance=seed["instance"]).update(task_concurrency=10)
    sessions = list(sessions_for(seed["instance"]).values())
    connection.close()
    port = free_port()
    server = Proc("web", [PYTHON, "manage.py", "serve", "--no-worker", "--port", str(port)], env, port)
    mode = "service mode (PostgreSQL + Redis)" if args.service else "embedded (SQLite + in-memory layer)"
    try:
        server.wait_ready()
        pid = server.popen.pid
        client = api_client(port, seed)
        latencies(client, seed, 20)  # warm-up: imports, compiled queries, the pool
        held = Held(port, sessions)
        held.sessions = sessions[:1]
        held.run(held.open_all(), 120)  # one socket first, so the consumer's imports are not counted
        held.run(held.close_all())
        before_rss = rss_kib(pid)
        alone = latencies(client, seed, args.calls)
        held = Held(port, sessions, args.wave)
        t0 = time.monotonic()
        held.run(held.open_all(), 1800)
        connect_s = time.monotonic() - t0
        time.sleep(2)
        after_rss = rss_kib(pid)
        loaded = latencies(client, seed, args.calls)
        still_open = held.open
        held.run(held.close_all())
    finally:
        server.stop()
    per = (after_rss - before_rss) / max(1, held.ready)
    ms = lambda v: f"{v * 1000:6.1f} ms"  # noqa: E731
    print(f"\n== {mode}: one `manage.py serve` process")
    print(
        f"  sockets: {held.ready} of {args.sockets} got their state in {connect_s:.1f} s; "
        f"{still_open} still open after the calls; failed {held.failed or 0}"
    )
    print(
        f"  server RSS {before_rss / 1024:.1f} MiB → {after_rss / 1024:.1f} MiB: {per:.1f} KiB per socket "
        f"({'meets' if per <= 100 and held.ready >= 2000 else 'misses'} ≥ 2,000 at ≤ 100 KiB)"
    )
    print(f"  StartTaskContact, no sockets:     p50 {ms(pct(alone, 50))}  p99 {ms(pct(alone, 99))}")
    print(
        f"  StartTaskContact, {held.ready} sockets: p50 {ms(pct(loaded, 50))}  p99 {ms(pct(loaded, 99))}  "
        f"(mean {statistics.mean(loaded) * 1000:.1f} vs {statistics.mean(alone) * 1000:.1f} ms)"
    )


if __name__ == "__main__":
    main()
