"""Faults survived, nothing lost: SIGKILL a web process or the worker in the middle of the task flow.

    .venv/bin/python bench/chaos_kill.py [--trials 100] [--tasks 200] [--agents 20] [--seed N]

Service mode, as in production: a scratch PostgreSQL database (CHAOS_DATABASE_URL, default
taskcenter_h13_chaos, dropped and migrated at start) and Redis (CHAOS_REDIS_URL, default db 13), two web
processes (`manage.py serve --no-worker`) and one `manage.py run_worker`, started once and kept across
trials. Each trial makes an instance of its own with 20 Available agents (task concurrency 3), then:

- creators: 4 threads send StartTaskContact (boto3, SigV4) for 200 tasks, alternating between the two web
  processes; a call that fails (connection refused or reset, a 5xx) is retried on the other process with
  the same ClientToken, as a careful client would;
- panels: this process plays the 20 agents' panels through the same services the panel views call —
  accept every offer (CONNECTING), end every connected task, close its after-contact work, and put a
  Missed agent back to Available;
- the fault: at a random moment inside the trial one of the three processes gets SIGKILL and is started
  again at once.

Then the invariants, each counted as a violation:
- every StartTaskContact the client sent has exactly one contact (nothing lost, nothing twice);
- every contact is ENDED or live in a valid state: QUEUED with a queue, CONNECTING with an agent and an
  unfired offer timer that is not overdue, CONNECTED / AFTER_CONTACT_WORK with an agent — never IN_FLOW;
- no agent holds more open tasks than its profile's concurrency;
- no panel action gets a database error (a deadlock, a lost connection): a user would see it;
- nothing is left once the trial's deadline is reached: the panels end every task they are offered, so a
  live task at the end is one the system failed to offer (counted as "stranded").
"""

import argparse
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
DB_URL = os.environ.get("CHAOS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/taskcenter_h13_chaos")
REDIS_URL = os.environ.get("CHAOS_REDIS_URL", "redis://127.0.0.1:6379/13")
CONCURRENCY = 3
TRIAL_DEADLINE = 120.0
# Database errors a panel action got (a deadlock, say): each one is a violation of its trial.
PANEL_ERRORS: list[str] = []  # seconds: a trial that has not ended every task by then reports what is left


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


class Proc:
    """One of our processes, restartable after a SIGKILL."""

    def __init__(self, name: str, argv: list[str], env: dict, port: int | None = None):
        self.name, self.argv, self.env, self.port = name, argv, env, port
        self.popen = None
        self.start()

    def start(self) -> None:
        log = os.environ.get("CHAOS_SERVER_LOG")  # a file to append the servers' stderr to, for debugging
        self.popen = subprocess.Popen(
            self.argv,
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=open(log, "a") if log else subprocess.DEVNULL,  # noqa: SIM115 (the child keeps it)
        )

    def wait_ready(self, timeout=180.0) -> float:  # a loaded machine starts a server slowly
        t0 = time.monotonic()
        while self.port is not None and not port_open(self.port):
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.popen.returncode}")
            if time.monotonic() - t0 > timeout:
                raise RuntimeError(f"{self.name} never opened port {self.port}")
            time.sleep(0.05)
        return time.monotonic() - t0

    def kill_and_restart(self) -> None:
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait()
        self.start()

    def stop(self) -> None:
        self.popen.terminate()
        try:
            self.popen.wait(20)
        except subprocess.TimeoutExpired:
            self.popen.kill()


def fresh_database(env: dict) -> None:
    dbname, admin = DB_URL.rsplit("/", 1)[1], DB_URL.rsplit("/", 1)[0] + "/postgres"
    for sql in (f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)', f'CREATE DATABASE "{dbname}"'):
        subprocess.run(["psql", admin, "-q", "-c", sql], check=True, capture_output=True)
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)


# ---------------------------------------------------------------- one trial


def trial_seed(n: int, agents: int, offer_timeout: int = 15) -> dict:
    import json

    from django.utils import timezone

    from ccp.models import AgentStatus, ContactFlow, Instance, Queue, RoutingProfile, RoutingProfileQueue, User
    from ccp.services.agents import agent_statuses_ensure
    from ccp.services.api_keys import api_key_create
    from ccp.services.configuration.security_profiles import security_profiles_ensure

    alias = f"chaos-{n}-{secrets.token_hex(3)}"
    instance = Instance.objects.create(
        alias=alias, active_task_quota=100_000, api_rate_per_second=100_000, api_burst=100_000
    )
    statuses = agent_statuses_ensure(instance=instance)
    queue = Queue.objects.create(instance=instance, name="Chaos")
    rp = RoutingProfile.objects.create(
        instance=instance,
        name="Chaos",
        default_outbound_queue=queue,
        task_concurrency=CONCURRENCY,
        task_offer_timeout_seconds=offer_timeout,
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
    flow = ContactFlow.objects.create(
        instance=instance, name="Chaos", content=content, published_content=content, status="PUBLISHED"
    )
    now = timezone.now()
    User.objects.bulk_create(
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
    key, secret = api_key_create(instance=instance, name="chaos")
    return {
        "instance": instance,
        "flow_id": flow.id,
        "key": key.access_key_id,
        "secret": secret,
        "routable": statuses[AgentStatus.Type.ROUTABLE],
    }


def clients_for(ports: list[int], seed: dict):
    import boto3
    from botocore.config import Config

    config = Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=2, read_timeout=20)
    return [
        boto3.client(
            "connect",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-1",
            aws_access_key_id=seed["key"],
            aws_secret_access_key=seed["secret"],
            config=config,
        )
        for port in ports
    ]


def create_all(clients, seed: dict, tasks: int, trial: int, stats: dict) -> dict[int, str]:
    """StartTaskContact for every task; a failed call is retried on the other process with its ClientToken."""
    from botocore.exceptions import BotoCoreError, ClientError

    created: dict[int, str] = {}
    lock = threading.Lock()

    def one(i: int) -> None:
        token = f"chaos-{trial}-{i}-{seed['instance'].id[:8]}"
        deadline = time.monotonic() + TRIAL_DEADLINE
        attempt = 0
        while time.monotonic() < deadline:
            client = clients[(i + attempt) % len(clients)]
            try:
                answer = client.start_task_contact(
                    InstanceId=seed["instance"].id,
                    ContactFlowId=seed["flow_id"],
                    Name=f"Chaos task {i}",
                    ClientToken=token,
                )
                with lock:
                    created[i] = answer["ContactId"]
                return
            except ClientError as exc:
                status = exc.response["ResponseMetadata"].get("HTTPStatusCode", 0)
                if status < 500 and status != 429:
                    with lock:
                        stats["client_errors"].append(exc.response["Error"]["Code"])
                    return
            except BotoCoreError:
                pass  # connection refused or reset: the process was killed
            attempt += 1
            with lock:
                stats["retries"] += 1
            time.sleep(0.05)

    t0 = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one, range(tasks)))
    stats["create_seconds"] = time.monotonic() - t0
    return created


def panels_step(instance, routable) -> int:
    """What 20 agents' panels would do now; returns how many actions were taken."""
    from django.db import DatabaseError, close_old_connections

    from ccp.errors import ServiceError
    from ccp.models import AgentStatus, Contact, ContactState, User
    from ccp.services.agents import agent_set_status
    from ccp.services.offers import contact_accept, contact_close, contact_complete

    close_old_connections()
    actions = 0
    open_states = [ContactState.CONNECTING, ContactState.CONNECTED, ContactState.AFTER_CONTACT_WORK]
    rows = list(
        Contact.objects.filter(instance=instance, state__in=open_states).select_related("agent").order_by("state")
    )
    for contact in rows:
        act = {
            ContactState.CONNECTING: contact_accept,
            ContactState.CONNECTED: contact_complete,
            ContactState.AFTER_CONTACT_WORK: contact_close,
        }[contact.state]
        try:
            act(contact_id=contact.id, agent=contact.agent)
            actions += 1
        except ServiceError:
            pass  # the state moved on under us (a timer, another step): the next look sees the truth
        except DatabaseError as error:
            # A deadlock or a lost connection answered to a panel: a user would see an error. Counted, not fatal.
            PANEL_ERRORS.append(f"{type(error).__name__}: {error}".splitlines()[0][:200])
    for user in User.objects.filter(instance=instance).exclude(status__type=AgentStatus.Type.ROUTABLE):
        agent_set_status(user=user, status=routable)  # Missed after a lapsed offer: back to Available
        actions += 1
    return actions


def invariants(instance, created: dict[int, str], tasks: int, final: bool) -> dict[str, int]:
    from django.utils import timezone

    from ccp.models import Contact, ContactState, Timer, TimerKind

    now = timezone.now()
    contacts = list(Contact.objects.filter(instance=instance))
    by_token: dict[str, int] = {}
    for c in contacts:
        by_token[c.client_token] = by_token.get(c.client_token, 0) + 1
    v = {"lost": 0, "duplicated": 0, "invalid_state": 0, "over_capacity": 0, "offer_stuck": 0, "stranded": 0}
    v["lost"] = tasks - len(created) + sum(1 for cid in created.values() if not any(c.id == cid for c in contacts))
    v["duplicated"] = sum(n - 1 for n in by_token.values() if n > 1)
    offer_timers = {
        t.contact_id: t
        for t in Timer.objects.filter(
            instance=instance, kind=TimerKind.OFFER_TIMEOUT, fired_at__isnull=True, cancelled=False
        )
    }
    for c in contacts:
        if c.state == ContactState.ENDED:
            continue
        if final:
            v["stranded"] += 1
        if c.state == ContactState.QUEUED:
            v["invalid_state"] += c.queue_id is None
        elif c.state == ContactState.CONNECTING:
            timer = offer_timers.get(c.id)
            if c.agent_id is None:
                v["invalid_state"] += 1
            elif timer is None or (now - timer.due_at).total_seconds() > 10:
                v["offer_stuck"] += 1
        elif c.state in (ContactState.CONNECTED, ContactState.AFTER_CONTACT_WORK):
            v["invalid_state"] += c.agent_id is None
        else:
            v["invalid_state"] += 1  # IN_FLOW (or SCHEDULED, which no one asked for) at the end
    v["over_capacity"] = over_capacity(instance)
    return v


def over_capacity(instance) -> int:
    """Agents holding more open tasks than their profile's concurrency, now."""
    from django.db.models import Count

    from ccp.models import Contact, ContactState, User

    open_states = [ContactState.CONNECTING, ContactState.CONNECTED, ContactState.AFTER_CONTACT_WORK]
    loads = (
        Contact.objects.filter(instance=instance, state__in=open_states, agent__isnull=False)
        .values("agent")
        .annotate(n=Count("id"))
    )
    limits = dict(User.objects.filter(instance=instance).values_list("id", "routing_profile__task_concurrency"))
    return sum(1 for row in loads if row["n"] > limits[row["agent"]])


def trial_run(n: int, args, procs: dict[str, Proc], ports: list[int], rng: random.Random) -> dict:
    from ccp.models import Contact, ContactState

    seed = trial_seed(n, args.agents)
    clients = clients_for(ports, seed)
    stats = {"retries": 0, "client_errors": []}
    peak = {name: 0 for name in ("over_capacity",)}
    target = rng.choice(sorted(procs))
    kill_at = rng.uniform(0.1, args.kill_window)
    t0 = time.monotonic()
    killed = {}

    def killer():
        time.sleep(kill_at)
        procs[target].kill_and_restart()
        killed["at"] = time.monotonic() - t0
        killed["back_after"] = procs[target].wait_ready()

    kthread = threading.Thread(target=killer, daemon=True)
    kthread.start()
    creator = ThreadPoolExecutor(1).submit(create_all, clients, seed, args.tasks, n, stats)
    checked = t0
    PANEL_ERRORS.clear()
    while time.monotonic() - t0 < args.deadline:
        actions = panels_step(seed["instance"], seed["routable"])
        # checked while the work flows too: over capacity is a moment's state, not an end state
        if time.monotonic() - checked > 0.25:
            peak["over_capacity"] = max(peak["over_capacity"], over_capacity(seed["instance"]))
            checked = time.monotonic()
        if creator.done() and not kthread.is_alive():
            live = Contact.objects.filter(instance=seed["instance"]).exclude(state=ContactState.ENDED).count()
            if live == 0:
                break
        if not actions:
            time.sleep(0.02)
    created = creator.result()
    kthread.join()
    v = invariants(seed["instance"], created, args.tasks, True)
    v["over_capacity"] = max(v["over_capacity"], peak["over_capacity"])
    v["panel_errors"] = len(PANEL_ERRORS)
    for message in sorted(set(PANEL_ERRORS)):
        print(f"  panel error: {message}", flush=True)
    ended = Contact.objects.filter(instance=seed["instance"], state=ContactState.ENDED).count()
    return {
        "trial": n,
        "killed": target,
        "kill_at": killed.get("at", 0.0),
        "back_after": killed.get("back_after", 0.0),
        "created": len(created),
        "ended": ended,
        "retries": stats["retries"],
        "client_errors": len(stats["client_errors"]),
        "seconds": time.monotonic() - t0,
        "create_seconds": stats.get("create_seconds", 0.0),
        "violations": v,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--kill-window", type=float, default=2.5, help="the kill falls in [0.1, this] seconds")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--deadline",
        type=float,
        default=TRIAL_DEADLINE,
        help="seconds a trial may take to end every task; raise it on a loaded machine (a live task at the"
        " deadline still counts as stranded)",
    )
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)

    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE",)}
    env.update(
        DJANGO_SETTINGS_MODULE="ccp.settings",
        DATABASE_URL=DB_URL,
        REDIS_URL=REDIS_URL,
        EMBEDDED_WORKER="false",
        LOG_LEVEL="CRITICAL",
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
    )
    fresh_database(env)
    os.environ.update(env)
    import django

    django.setup()

    ports = [free_port(), free_port()]
    procs = {
        f"web{i}": Proc(f"web{i}", [PYTHON, "manage.py", "serve", "--no-worker", "--port", str(p)], env, p)
        for i, p in enumerate(ports)
    }
    procs["worker"] = Proc("worker", [PYTHON, "manage.py", "run_worker", "--max-sleep", "0.2"], env)
    totals = {"trials": 0, "created": 0, "ended": 0, "retries": 0, "client_errors": 0, "violations": 0}
    by_kind: dict[str, int] = {}
    started = time.monotonic()
    print(
        f"chaos_kill: {args.trials} trials × {args.tasks} tasks, {args.agents} agents; seed {seed};"
        f" deadline {args.deadline:.0f} s a trial",
        flush=True,
    )
    try:
        for proc in procs.values():
            proc.wait_ready()
        for n in range(args.trials):
            r = trial_run(n, args, procs, ports, rng)
            bad = sum(r["violations"].values())
            totals["trials"] += 1
            for key in ("created", "ended", "retries", "client_errors"):
                totals[key] += r[key]
            totals["violations"] += bad
            for kind, count in r["violations"].items():
                by_kind[kind] = by_kind.get(kind, 0) + count
            detail = ", ".join(f"{k} {c}" for k, c in r["violations"].items() if c) or "none"
            print(
                f"trial {n + 1:3d}: SIGKILL {r['killed']:6s} at {r['kill_at']:4.2f} s "
                f"(back in {r['back_after']:4.2f} s); "
                f"created {r['created']}/{args.tasks}, ended {r['ended']}, retried calls {r['retries']}, "
                f"4xx {r['client_errors']}; {r['seconds']:5.1f} s (creates {r['create_seconds']:.1f} s); "
                f"violations: {detail}",
                flush=True,
            )
    finally:
        for proc in procs.values():
            proc.stop()
    elapsed = time.monotonic() - started
    print(
        f"\ntotal: {totals['trials']} trials in {elapsed:.0f} s ({elapsed / max(1, totals['trials']):.1f} s each); "
        f"tasks created {totals['created']}, ended {totals['ended']}, calls retried after a kill "
        f"{totals['retries']}, 4xx answers {totals['client_errors']}"
    )
    print(f"violations: {totals['violations']}  ({', '.join(f'{k} {c}' for k, c in by_kind.items())})")
    sys.exit(1 if totals["violations"] else 0)


if __name__ == "__main__":
    main()
