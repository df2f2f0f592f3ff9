"""StartTaskContact throughput and latency, end to end through daphne with SigV4, on SQLite and PostgreSQL.

    .venv/bin/python bench/api_ingest.py [--requests 2000] [--rounds 4] [--threads 8] [--db sqlite,postgres]

For each database: migrate a fresh one, load the demo (`manage.py load_demo --json`), lift the demo
instance's rate limit and task quota, start daphne (one process, timer worker off), then send
signed requests from client threads over keep-alive connections:

- baseline: GET /api-ping — the API's own no-op, answering {} after full SigV4 verification (key
  lookup, signature, rate limit). It measures the HTTP + Django + signing floor of every API call.
- StartTaskContact: PUT /contact/task on the demo task flow (creates, runs the flow, queues).

Both use the same client code (botocore's signer + urllib3), so the ratio is the cost of the work.
They take turns in rounds, so drift in the machine's speed during the run weighs on both alike.
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
POSTGRES_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/taskcenter_bench")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=600
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return result.stdout


def fresh_postgres(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


FALLBACK_DEMO = """
import json
from ccp.flows.publish import flow_create
from ccp.models import Instance, Queue
from ccp.services.api_keys import api_key_create
instance = Instance.objects.create(alias="bench")
queue = Queue.objects.create(instance=instance, name="Bench")
doc = {"Version": "2019-10-30", "StartAction": "q", "Actions": [
  {"Identifier": "q", "Type": "UpdateContactTargetQueue", "Parameters": {"QueueId": queue.id},
   "Transitions": {"NextAction": "t", "Errors": [{"NextAction": "e", "ErrorType": "NoMatchingError"}]}},
  {"Identifier": "t", "Type": "TransferContactToQueue", "Parameters": {},
   "Transitions": {"NextAction": "e", "Errors": [{"NextAction": "e", "ErrorType": "NoMatchingError"}]}},
  {"Identifier": "e", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}]}
flow = flow_create(instance=instance, name="Bench", type="CONTACT_FLOW", content=json.dumps(doc))
key, secret = api_key_create(instance=instance, name="bench")
print(json.dumps({"instance_id": instance.id, "region": "us-east-1", "access_key_id": key.access_key_id,
                  "secret_access_key": secret, "task_flow_id": flow.id, "task_queue_id": queue.id}))
"""


def demo_load(env: dict) -> dict:
    try:
        out = manage(env, "load_demo", "--json")
        return json.loads(out.strip().splitlines()[-1])
    except (RuntimeError, ValueError, IndexError) as exc:
        print(f"  load_demo unavailable ({str(exc).splitlines()[0][:80]}); creating the bench data directly")
        return json.loads(manage(env, "shell", "-c", FALLBACK_DEMO).strip().splitlines()[-1])


def unthrottle(env: dict, instance_id: str) -> None:
    manage(
        env,
        "shell",
        "-c",
        f"from ccp.models import Instance; Instance.objects.filter(pk={instance_id!r}).update("
        "api_rate_per_second=10**6, api_burst=10**6, active_task_quota=10**7)",
    )


def daphne_start(env: dict, port: int, log: Path) -> subprocess.Popen:
    # The server's log goes to a file: an unread pipe fills up and blocks the server.
    proc = subprocess.Popen(
        [PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "ccp.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
        start_new_session=True,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("daphne exited:\n" + log.read_text(errors="replace")[-2000:])
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("daphne did not start listening")


def server_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the server process has used so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_load(*, base: str, demo: dict, method: str, path: str, body_for, requests: int, threads: int) -> dict:
    """Send `requests` signed requests from `threads` threads; returns throughput and latency."""
    import urllib3
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    creds = Credentials(demo["access_key_id"], demo["secret_access_key"])
    region = demo.get("region") or "us-east-1"
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    counter = iter(range(requests))

    def worker():
        pool = urllib3.HTTPConnectionPool("127.0.0.1", int(base.rsplit(":", 1)[1]), maxsize=1)
        mine = []
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            body = body_for(i)
            request = AWSRequest(
                method=method, url=base + path, data=body, headers={"Content-Type": "application/json"}
            )
            SigV4Auth(creds, "connect", region).add_auth(request)
            started = time.perf_counter()
            response = pool.urlopen(
                method, path, body=body or None, headers=dict(request.headers.items()), retries=False
            )
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                with lock:
                    failures.append(f"{response.status} {response.data[:200]!r}")
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"latencies": latencies, "elapsed": elapsed, "failures": failures}


def summary(runs: list[dict], cpu_seconds: float) -> dict:
    """Throughput, latency and server CPU per request over several runs of one request kind."""
    latencies = sorted(x for run in runs for x in run["latencies"])
    elapsed = sum(run["elapsed"] for run in runs)
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "cpu_ms": cpu_seconds * 1000 / len(latencies),
        "failures": [f for run in runs for f in run["failures"]],
    }


def bench_database(label: str, env: dict, args) -> list[tuple]:
    print(f"[{label}] migrating a fresh database, loading the demo …", flush=True)
    manage(env, "migrate", "--noinput")
    demo = demo_load(env)
    unthrottle(env, demo["instance_id"])
    port = free_port()
    log = Path(env.get("BENCH_LOG_DIR", tempfile.gettempdir())) / f"api-bench-daphne-{label}.log"
    proc = daphne_start(env, port, log)
    base = f"http://127.0.0.1:{port}"
    try:
        instance, flow = demo["instance_id"], demo["task_flow_id"]

        def task_body(i):
            return json.dumps(
                {"InstanceId": instance, "ContactFlowId": flow, "Name": f"Bench task {i}", "Attributes": {"n": str(i)}}
            ).encode()

        def ping(i):
            return b""

        warm = max(50, args.requests // 20)
        run_load(
            base=base, demo=demo, method="GET", path="/api-ping", body_for=ping, requests=warm, threads=args.threads
        )
        run_load(
            base=base,
            demo=demo,
            method="PUT",
            path="/contact/task",
            body_for=task_body,
            requests=warm,
            threads=args.threads,
        )
        print(f"[{label}] daphne on {base}; measuring …", flush=True)
        kinds = (
            ("baseline GET /api-ping (signed no-op)", "GET", "/api-ping", ping),
            ("StartTaskContact PUT /contact/task", "PUT", "/contact/task", task_body),
        )
        # The two kinds take turns in rounds (ping, task, task, ping, …), so a machine that speeds up or slows
        # down during the run (a shared VM does) weighs on both alike.
        runs = {name: [] for name, *_ in kinds}
        cpu = dict.fromkeys(runs, 0.0)
        per_round = max(1, args.requests // args.rounds)
        for round_ in range(args.rounds):
            for name, method, path, body_for in kinds if round_ % 2 == 0 else kinds[::-1]:
                cpu_before = server_cpu_seconds(proc.pid)
                runs[name].append(
                    run_load(
                        base=base, demo=demo, method=method, path=path, body_for=body_for,
                        requests=per_round, threads=args.threads,
                    )
                )
                # Server CPU per request: steadier than req/s on a machine shared with other work.
                cpu[name] += server_cpu_seconds(proc.pid) - cpu_before
        rows = []
        for name, *_ in kinds:
            result = summary(runs[name], cpu[name])
            if result["failures"]:
                print(f"  {name}: {len(result['failures'])} failed, first: {result['failures'][0]} (server log: {log})")
            rows.append((label, name, result))
        return rows
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=4, help="turns each request kind takes, alternating")
    parser.add_argument("--db", default="sqlite,postgres")
    args = parser.parse_args()

    base_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ccp.settings",
        "EMBEDDED_WORKER": "false",
        "LOG_LEVEL": "ERROR",
        "DEBUG": "false",
        # The server refuses to start without a real key (no built-in secret); a fresh one per run.
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
    }
    base_env.pop("DATABASE_URL", None)
    base_env.pop("REDIS_URL", None)
    results = []
    tmp = Path(tempfile.mkdtemp(prefix="api-bench-"))
    try:
        for db in args.db.split(","):
            if db == "sqlite":
                env = {**base_env, "SQLITE_PATH": str(tmp / "bench.sqlite3")}
            elif db == "postgres":
                try:
                    fresh_postgres(POSTGRES_URL)
                except Exception as exc:  # no server: report and carry on with the others
                    print(f"[postgres] skipped: {exc}")
                    continue
                env = {**base_env, "DATABASE_URL": POSTGRES_URL}
            else:
                raise SystemExit(f"unknown --db {db!r}")
            results += bench_database(db, env, args)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(
        f"{args.requests} requests per row in {args.rounds} alternating rounds, {args.threads} client threads, "
        "one daphne process, worker off"
    )
    print(
        f"{'database':<10} {'request':<40} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs baseline':>12}"
        f" {'server CPU ms/req':>18}"
    )
    baselines = {}
    for label, name, r in results:
        if name.startswith("baseline"):
            baselines[label] = r["rps"]
        ratio = f"{r['rps'] / baselines[label]:.0%}" if label in baselines else ""
        print(
            f"{label:<10} {name:<40} {r['rps']:>8.0f} {r['p50']:>8.1f} {r['p99']:>8.1f} {ratio:>12}"
            f" {r['cpu_ms']:>18.1f}"
        )


if __name__ == "__main__":
    main()
