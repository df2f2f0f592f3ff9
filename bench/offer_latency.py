"""Offer latency: 500 agents connected over websockets; the time from task_start's return to the offer
frame at the agent's socket (p50, p99), in the embedded default (SQLite + in-memory channel layer)
and in service mode (PostgreSQL + Redis).

Each mode runs a server process (daphne serving the real ASGI app, plus a small local RPC port that
calls task_start in that process, as the API would) and a driver holding 500 raw websockets. The
baseline, measured in the same run and server: a bare channel-layer round trip (group_send to a
group, receive on its channel) — the floor any push pays. Target: p99 under 100 ms.

    .venv/bin/python bench/offer_latency.py              # both modes
    .venv/bin/python bench/offer_latency.py embedded     # one mode
"""

import asyncio
import base64
import json
import os
import secrets
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Client, Listener
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
AGENTS, TASKS, BASELINE_ROUNDS = 500, 200, 500
AUTHKEY = b"offer-latency-bench"
PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/taskcenter_bench_offers")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


# ---------------------------------------------------------------- server process


def server_seed(agents: int) -> dict:
    """One instance, one queue, `agents` Available agents with sessions; returns their session keys."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from ccp.models import AgentStatus, ContactFlow, Instance, Queue, RoutingProfile, RoutingProfileQueue, User
    from ccp.services.agents import agent_statuses_ensure
    from ccp.services.configuration.security_profiles import security_profiles_ensure

    alias = f"bench-{int(time.time())}"
    instance = Instance.objects.create(alias=alias, active_task_quota=100_000)
    statuses = agent_statuses_ensure(instance=instance)
    queue = Queue.objects.create(instance=instance, name="Bench")
    rp = RoutingProfile.objects.create(
        instance=instance,
        name="Bench",
        default_outbound_queue=queue,
        task_concurrency=10,
        task_offer_timeout_seconds=3600,
    )
    RoutingProfileQueue.objects.create(routing_profile=rp, queue=queue, channel="TASK")
    content = json.dumps(
        {
            "Version": "2019-10-30",
            "StartAction": "s",
            "Actions": [
                {
                    "Identifier": "s",
                    "Type": "UpdateContactTargetQueue",
                    "Parameters": {"QueueId": queue.id},
                    "Transitions": {"NextAction": "q", "Errors": []},
                },
                {"Identifier": "q", "Type": "TransferContactToQueue", "Parameters": {}, "Transitions": {}},
            ],
        }
    )
    ContactFlow.objects.create(
        instance=instance, name="Bench", content=content, published_content=content, status="PUBLISHED"
    )
    now = timezone.now()
    users = User.objects.bulk_create(
        User(
            instance=instance,
            username=f"{alias}-{i}",
            password="!",
            routing_profile=rp,
            status=statuses[AgentStatus.Type.ROUTABLE],
            status_since=now,
            idle_since=now,
        )
        for i in range(agents)
    )
    # Agents open the panel: they hold the instance's Agent security profile.
    agent_profile = security_profiles_ensure(instance=instance)["Agent"]
    Through = User.security_profiles.through
    Through.objects.bulk_create(
        Through(user_id=u.pk, securityprofile_id=agent_profile.pk) for u in User.objects.filter(instance=instance)
    )
    cookies = []
    for user in users:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        cookies.append(store.session_key)
    return {"alias": alias, "sessions": cookies}


def server_task(alias: str, n: int) -> dict:
    from ccp.models import ContactFlow, Instance
    from ccp.services.tasks import task_start

    instance = Instance.objects.get(alias=alias)
    flow = ContactFlow.objects.get(instance=instance, name="Bench")
    started = time.monotonic()
    contact = task_start(instance=instance, name=f"Bench task {n}", contact_flow=flow)
    return {"id": contact.id, "started": started, "returned": time.monotonic()}


def server_baseline(rounds: int) -> list[float]:
    """A bare channel-layer round trip: group_send to a one-member group, then receive it."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    async def run():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add("bench.baseline", channel)
        out = []
        for _ in range(rounds):
            t = time.monotonic()
            await layer.group_send("bench.baseline", {"type": "x"})
            await layer.receive(channel)
            out.append(time.monotonic() - t)
        await layer.group_discard("bench.baseline", channel)
        return out

    return async_to_sync(run)()


def server_main(http_port: int, rpc_port: int) -> None:
    import django

    django.setup()
    from channels.routing import get_default_application
    from daphne.endpoints import build_endpoint_description_strings
    from daphne.server import Server
    from django.db import close_old_connections

    functions = {"seed": server_seed, "task": server_task, "baseline": server_baseline}

    def rpc():
        listener = Listener(("127.0.0.1", rpc_port), authkey=AUTHKEY)
        conn = listener.accept()
        while True:
            try:
                name, args = conn.recv()
            except EOFError:
                return
            close_old_connections()
            conn.send(functions[name](*args))

    threading.Thread(target=rpc, daemon=True).start()
    Server(
        application=get_default_application(),
        endpoints=build_endpoint_description_strings(host="127.0.0.1", port=http_port),
        signal_handlers=True,
        verbosity=0,
    ).run()


# ---------------------------------------------------------------- a raw asyncio websocket client


class Socket:
    """Just enough RFC 6455 to read text frames (answering pings) from the server."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(cls, port: int, session: str) -> "Socket":
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            (
                f"GET /ws/agent/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:{port}\r\n"
                f"Cookie: sessionid={session}\r\n\r\n"
            ).encode()
        )
        status = await reader.readuntil(b"\r\n\r\n")
        if b" 101 " not in status.split(b"\r\n", 1)[0]:
            raise RuntimeError(f"websocket refused: {status[:80]!r}")
        return cls(reader, writer)

    async def frame(self) -> str | None:
        head = await self.reader.readexactly(2)
        opcode, length = head[0] & 0x0F, head[1] & 0x7F
        if length == 126:
            length = struct.unpack("!H", await self.reader.readexactly(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", await self.reader.readexactly(8))[0]
        payload = await self.reader.readexactly(length)
        if opcode == 0x9:  # ping → masked pong
            mask = os.urandom(4)
            body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            self.writer.write(bytes([0x8A, 0x80 | len(payload)]) + mask + body)
            return None
        if opcode == 0x8:
            raise ConnectionError("closed by server")
        return payload.decode()


# ---------------------------------------------------------------- driver


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def drive(port: int, rpc: Client, sessions: list[str]) -> dict:
    seen: dict[str, float] = {}
    waiting: dict[str, asyncio.Future] = {}
    last_frame = [time.monotonic()]

    dropped = [0]

    async def listen(sock: Socket):
        while True:
            try:
                text = await sock.frame()
            except (ConnectionError, asyncio.IncompleteReadError):
                dropped[0] += 1  # the server closed this agent's socket (a browser would reconnect)
                return
            if text is None:
                continue
            now = last_frame[0] = time.monotonic()
            start = text.find('data-offer="')
            while start >= 0:
                cid = text[start + 12 : text.index('"', start + 12)]
                if cid not in seen:
                    seen[cid] = now
                    if cid in waiting and not waiting[cid].done():
                        waiting[cid].set_result(now)
                start = text.find('data-offer="', start + 12)

    t0 = time.monotonic()
    sockets = []
    for i in range(0, len(sessions), 50):  # connect in waves of 50
        sockets += await asyncio.gather(*[Socket.connect(port, s) for s in sessions[i : i + 50]])
    listeners = [asyncio.ensure_future(listen(s)) for s in sockets]
    connect_time = time.monotonic() - t0
    while time.monotonic() - last_frame[0] < 1.5:  # let the connect-time renders drain
        await asyncio.sleep(0.25)
    settle_time = time.monotonic() - t0 - connect_time
    loop = asyncio.get_running_loop()
    after_return, after_start, lost = [], [], 0
    for n in range(TASKS):
        result = await loop.run_in_executor(None, lambda n=n: (rpc.send(("task", (None, n))), rpc.recv())[1])
        cid = result["id"]
        fut = waiting[cid] = loop.create_future()
        if cid in seen:
            fut.set_result(seen[cid])
        try:
            received = await asyncio.wait_for(fut, 5)
        except TimeoutError:
            lost += 1  # its agent's socket had dropped
            continue
        after_return.append(received - result["returned"])
        after_start.append(received - result["started"])
    for task in listeners:
        task.cancel()
    for s in sockets:
        s.writer.close()
    return {
        "connect": connect_time,
        "settle": settle_time,
        "after_return": after_return,
        "after_start": after_start,
        "dropped": dropped[0],
        "lost": lost,
    }


def mode_run(mode: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(DJANGO_SETTINGS_MODULE="ccp.settings", EMBEDDED_WORKER="false", LOG_LEVEL="ERROR")
    env.setdefault("SECRET_KEY", secrets.token_urlsafe(50))  # the server refuses to start without a real key
    tmp = tempfile.mkdtemp()
    if mode == "service":
        dbname, admin = PG_URL.rsplit("/", 1)[1], PG_URL.rsplit("/", 1)[0] + "/postgres"
        for sql in (f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)", f"CREATE DATABASE {dbname}"):
            subprocess.run(["psql", admin, "-q", "-c", sql], check=True, capture_output=True)
        env.update(DATABASE_URL=PG_URL, REDIS_URL=REDIS_URL)
    else:
        env["SQLITE_PATH"] = os.path.join(tmp, "bench.sqlite3")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    port, rpc_port = free_port(), free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), str(rpc_port)], cwd=ROOT, env=env)
    try:
        for _ in range(200):
            try:
                rpc = Client(("127.0.0.1", rpc_port), authkey=AUTHKEY)
                break
            except OSError:
                time.sleep(0.1)
        rpc.send(("seed", (AGENTS,)))
        seeded = rpc.recv()
        alias = seeded["alias"]
        rpc.send(("baseline", (BASELINE_ROUNDS,)))
        baseline = rpc.recv()

        class Bound:  # the driver's task calls carry the alias
            def send(self, msg):
                name, (_, n) = msg
                rpc.send((name, (alias, n)))

            def recv(self):
                return rpc.recv()

        result = asyncio.run(drive(port, Bound(), seeded["sessions"]))
        result["baseline"] = baseline
        return result
    finally:
        server.terminate()
        server.wait(10)


def report(mode: str, r: dict) -> None:
    ms = lambda v: f"{v * 1000:7.2f} ms"  # noqa: E731
    base50, base99 = pct(r["baseline"], 50), pct(r["baseline"], 99)
    p50, p99 = pct(r["after_return"], 50), pct(r["after_return"], 99)
    print(
        f"\n== {mode}: {AGENTS} agents connected in {r['connect']:.1f} s (+{r['settle']:.1f} s until quiet); "
        f"{TASKS} tasks, one at a time"
    )
    print(
        f"  offer frame after task_start returned   p50 {ms(p50)}   p99 {ms(p99)}   "
        f"({'meets' if p99 < 0.1 else 'MISSES'} p99 < 100 ms)"
    )
    print(
        f"  offer frame after task_start was called p50 {ms(pct(r['after_start'], 50))}   "
        f"p99 {ms(pct(r['after_start'], 99))}"
    )
    print(f"  baseline: channel-layer round trip      p50 {ms(base50)}   p99 {ms(base99)}")
    print(f"  ratio offer/baseline                    p50 {p50 / base50:7.1f}x   p99 {p99 / base99:7.1f}x")
    print(
        f"  mean {statistics.mean(r['after_return']) * 1000:.2f} ms; sockets dropped by the server: "
        f"{r['dropped']}; offers not seen (sent to a dropped socket): {r['lost']}"
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        server_main(int(sys.argv[2]), int(sys.argv[3]))
        return
    modes = sys.argv[1:] or ["embedded", "service"]
    for mode in modes:
        report(mode, mode_run(mode))


if __name__ == "__main__":
    main()
