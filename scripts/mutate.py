#!/usr/bin/env python3
"""Mutation testing by hand: does the suite notice when the code is subtly wrong?

Each mutation below is one small change to the source (a file, an exact snippet, its replacement) and
the test files that should catch it (those written for that behaviour, so a run takes minutes). One at a
time, the mutation is applied to a copy of the project in a temporary directory (the checkout itself is
never touched), only its test files run with `-x -q` (browser tests left out), and the file is put back
before the next one. A failing run kills the mutant; a passing run means it survived: a bug of that kind
would reach users unnoticed. A mutation whose
snippet is no longer in the file is reported as stale, so the list stays honest as the code changes.

    make mutate                                   # all of them
    .venv/bin/python scripts/mutate.py --list     # which apply, which are stale, without running tests
    .venv/bin/python scripts/mutate.py -k expiry  # only mutations whose name contains "expiry"

Runs on the embedded default (SQLite, in-memory layer) unless DATABASE_URL/REDIS_URL are set; routing
mutations of ccp/routing/engine.py are in its portable path, the one SQLite runs. Not run by CI or
`make test`: it takes a while (each surviving mutant runs its whole test paths).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOT_COPIED = {".git", ".venv", "__pycache__", "test-artifacts", "node_modules", ".pytest_cache", ".ruff_cache"}


@dataclass(frozen=True)
class Mutation:
    name: str
    path: str
    original: str
    replacement: str
    tests: tuple[str, ...]


CONSOLE_PAGES = (
    "tests/console/test_hostile_values.py",
    "tests/console/test_contact_summary.py",
    "tests/console/test_contact_search.py",
)
ROUTING = ("tests/routing/test_claim_order.py", "tests/routing/test_routing_age.py", "tests/routing/test_lifecycle.py")

MUTATIONS = [
    # --- routing -----------------------------------------------------------------------------------
    Mutation(
        "routing: a queue hands out its newest task first (oldest-first reversed)",
        "ccp/routing/engine.py",
        '.order_by("routing_priority", "routing_order_at", "id")',
        '.order_by("routing_priority", "-routing_order_at", "id")',
        ROUTING,
    ),
    Mutation(
        "routing: a rejected or missed task is stamped as new (back of the queue, not its place)",
        "ccp/services/offers.py",
        "    contact.offered_at = None\n"
        "    # routing_order_at is kept: the task keeps its place, which is at the front for an old task.\n"
        "    contact_set_state(\n"
        "        contact=contact,\n"
        "        state=ContactState.QUEUED,\n"
        "        event=event,\n"
        "        actor_type=actor_type,\n"
        "        actor=actor,\n"
        '        detail={"agent_id": agent.id},\n'
        '        fields=("agent", "offered_at"),\n',
        "    contact.offered_at = None\n"
        "    contact.routing_order_at = now\n"
        "    contact_set_state(\n"
        "        contact=contact,\n"
        "        state=ContactState.QUEUED,\n"
        "        event=event,\n"
        "        actor_type=actor_type,\n"
        "        actor=actor,\n"
        '        detail={"agent_id": agent.id},\n'
        '        fields=("agent", "offered_at", "routing_order_at"),\n',
        ROUTING,
    ),
    Mutation(
        "routing: an agent at task concurrency gets one more task (open_count >= limit -> >)",
        "ccp/routing/engine.py",
        "if open_count >= agent.routing_profile.task_concurrency:",
        "if open_count > agent.routing_profile.task_concurrency:",
        ROUTING,
    ),
    Mutation(
        "routing: routing priority order flipped (a higher number goes first)",
        "ccp/routing/engine.py",
        '.order_by("routing_priority", "routing_order_at", "id")',
        '.order_by("-routing_priority", "routing_order_at", "id")',
        ("tests/routing/test_routing_age.py", "tests/routing/test_claim_order.py"),
    ),
    Mutation(
        "routing: UpdateContactRoutingData / Change routing priority age adjustment sign flipped",
        "ccp/services/contacts.py",
        "contact.routing_order_at -= dt.timedelta(seconds=age_seconds)",
        "contact.routing_order_at += dt.timedelta(seconds=age_seconds)",
        ("tests/routing/test_routing_age.py", "tests/routing/test_claim_order.py"),
    ),
    Mutation(
        "routing: reject cool-off 60 s -> 1 s",
        "ccp/services/offers.py",
        "OFFER_COOLDOWN = dt.timedelta(seconds=60)",
        "OFFER_COOLDOWN = dt.timedelta(seconds=1)",
        ROUTING,
    ),
    Mutation(
        "routing: a task expires after 6 days instead of 7",
        "ccp/validation.py",
        "TASK_MAX_DURATION = dt.timedelta(days=7)",
        "TASK_MAX_DURATION = dt.timedelta(days=6)",
        ("tests/worker/test_expiry.py", "tests/routing/test_transfers_and_timers.py"),
    ),
    Mutation(
        "routing: a transferred task's 7 days count from the transfer, not the original's initiation",
        "ccp/services/transfers.py",
        "due_at=started + validation.TASK_MAX_DURATION,",
        "due_at=now + validation.TASK_MAX_DURATION,",
        ("tests/worker/test_expiry.py", "tests/routing/test_transfers_and_timers.py"),
    ),
    # --- ClientToken ---------------------------------------------------------------------------------
    Mutation(
        "ClientToken: References left out of StartTaskContact's request hash",
        "ccp/services/idempotency.py",
        "for f in dataclasses.fields(self)}",
        'for f in dataclasses.fields(self) if f.name != "references"}',
        ("tests/api/test_client_token_fingerprints.py", "tests/api/test_client_token.py"),
    ),
    Mutation(
        "ClientToken: the flow left out of TransferContact's request hash",
        "ccp/services/idempotency.py",
        "for f in dataclasses.fields(self)}",
        'for f in dataclasses.fields(self) if f.name != "flow"}',
        ("tests/api/test_client_token_fingerprints.py", "tests/api/test_transfer_client_token.py"),
    ),
    # --- pushes --------------------------------------------------------------------------------------
    Mutation(
        "pushes: sent at once instead of after the transaction commits",
        "ccp/realtime/publish.py",
        "    transaction.on_commit(lambda: _send(groups, event))",
        "    _send(groups, event)",
        ("tests/realtime/test_pushes.py", "tests/panel/test_consumer.py"),
    ),
    # --- tenancy -------------------------------------------------------------------------------------
    Mutation(
        "tenancy: TransferContact's QueueId found in any instance",
        "ccp/api/contacts.py",
        'queue = instance_get(QueueModel, instance=instance, pk=queue_id, label="Queue")',
        'queue = QueueModel.objects.filter(pk=queue_id).first() or instance_get(\n'
        '            QueueModel, instance=instance, pk=queue_id, label="Queue"\n'
        "        )",
        ("tests/api/test_other_instance_ids.py",),
    ),
    # --- escaping ------------------------------------------------------------------------------------
    Mutation(
        "escaping: the panel renders a task's description with |safe",
        "templates/ccp/panel.html",
        "{{ c.description|linebreaksbr }}",
        "{{ c.description|safe|linebreaksbr }}",
        ("tests/panel/test_hostile_values.py", "tests/panel/test_views.py"),
    ),
    Mutation(
        "escaping: the console's contact summary renders the description with |safe",
        "templates/admin_console/contact_detail.html",
        "{{ contact.description|linebreaksbr }}",
        "{{ contact.description|safe|linebreaksbr }}",
        CONSOLE_PAGES,
    ),
    Mutation(
        "escaping: the console's contact summary renders the name with |safe",
        "templates/admin_console/contact_detail.html",
        '<h1>{{ contact.name|default:"Contact without a name" }}</h1>',
        '<h1>{{ contact.name|safe|default:"Contact without a name" }}</h1>',
        CONSOLE_PAGES,
    ),
    Mutation(
        "escaping: the console's contact search renders descriptions with |safe",
        "templates/admin_console/contact_search.html",
        "{{ contact.description|truncatechars:90 }}",
        "{{ contact.description|safe|truncatechars:90 }}",
        CONSOLE_PAGES,
    ),
    Mutation(
        "escaping: the console's contact search renders names with |safe",
        "templates/admin_console/contact_search.html",
        "{{ contact.name|default:contact.pk|truncatechars:60 }}",
        "{{ contact.name|safe|default:contact.pk|truncatechars:60 }}",
        CONSOLE_PAGES,
    ),
]


def _copy_project(destination: Path) -> None:
    shutil.copytree(ROOT, destination, ignore=lambda _dir, names: [n for n in names if n in NOT_COPIED])


def _status(mutation: Mutation, source: str) -> str:
    found = source.count(mutation.original)
    if found == 0:
        return "stale"
    if found > 1:
        return f"stale ({found} matches)"
    return ""


def _run_tests(copy: Path, tests: tuple[str, ...]) -> tuple[str, str]:
    """(result, the test that failed first) for one run of `tests` in the copy."""
    # No bytecode: a mutant and its restored original can share a size and an mtime second.
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-m", "not browser", "-p", "no:randomly", *tests]
    run = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True)
    failed = next(
        (line.split()[1] for line in run.stdout.splitlines() if line.startswith(("FAILED ", "ERROR "))), ""
    )
    # pytest: 0 all passed, 1 some failed; anything else (no tests, usage or internal error) is not a kill.
    result = {0: "survived", 1: "killed"}.get(run.returncode, f"error (pytest exit {run.returncode})")
    return result, failed


def _baseline_passes(copy: Path, mutations: list[Mutation]) -> bool:
    paths = tuple(sorted({path for m in mutations for path in m.tests}))
    print(f"baseline: {' '.join(paths)} unmutated … ", end="", flush=True)
    result, failed = _run_tests(copy, paths)
    print("passes" if result == "survived" else f"{result} {failed}")
    if result != "survived":
        print("The tests fail without any mutation, so every mutant would look killed: fix that first.")
    return result == "survived"


def _table(rows: list[tuple[str, str, str, str]], *, score: bool = True) -> None:
    width = max(len(r[0]) for r in rows)
    print()
    print(f"{'mutation':<{width}}  {'result':<10}  {'time':>6}  caught by (or the file changed)")
    print(f"{'-' * width}  {'-' * 10}  {'-' * 6}  {'-' * 5}")
    for name, result, seconds, where in rows:
        print(f"{name:<{width}}  {result:<10}  {seconds:>6}  {where}")
    if not score:
        return
    ran = [r for r in rows if r[1] in ("killed", "survived")]
    killed = sum(1 for r in ran if r[1] == "killed")
    stale = sum(1 for r in rows if r[1].startswith("stale"))
    errors = len(rows) - len(ran) - stale
    print()
    print(f"score: {killed}/{len(ran)} killed" + (f" ({killed / len(ran):.0%})" if ran else ""), end="")
    print(f"; {stale} stale" if stale else "", end="")
    print(f"; {errors} could not run" if errors else "")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-k", dest="only", default="", help="only mutations whose name contains this text")
    parser.add_argument("--list", action="store_true", help="say which mutations apply; run no tests")
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip running the test paths unmutated first (a failing "
        "suite would make every mutant look killed)"
    )
    args = parser.parse_args(argv)
    mutations = [m for m in MUTATIONS if args.only.lower() in m.name.lower()]
    rows: list[tuple[str, str, str, str]] = []
    if args.list:
        for m in mutations:
            status = _status(m, (ROOT / m.path).read_text()) or "applies"
            rows.append((m.name, status, "", m.path))
        _table(rows, score=False)
        return 0
    with tempfile.TemporaryDirectory(prefix="mutate-") as tmp:
        copy = Path(tmp) / "project"
        _copy_project(copy)
        try:
            if not args.no_baseline and not _baseline_passes(copy, mutations):
                return 1
            for number, m in enumerate(mutations, 1):
                target = copy / m.path
                source = target.read_text()
                status = _status(m, source)
                if status:
                    rows.append((m.name, status, "", m.path))
                    continue
                print(f"[{number}/{len(mutations)}] {m.name} … ", end="", flush=True)
                began = time.monotonic()
                try:
                    target.write_text(source.replace(m.original, m.replacement, 1))
                    result, failed = _run_tests(copy, m.tests)
                finally:
                    target.write_text(source)  # always put it back, even on Ctrl-C
                print(f"{result} {failed}".strip())
                rows.append((m.name, result, f"{time.monotonic() - began:.0f}s", failed or m.path))
        except KeyboardInterrupt:
            print("\ninterrupted: the results so far (the checkout was never changed)")
            if rows:
                _table(rows)
            return 130
    _table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
