"""Invoke AWS Lambda function makes its call between transactions: while one flow waits on a slow endpoint,
another tenant's task is created and committed; a run's calls stop at its budget; an answer for a contact
that moved on is dropped; a call whose caller died is not stranded; and what is kept on the contact never
repeats the endpoint's answer."""

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection, connections

from ccp.flows.calls import CALLS_PER_RUN
from ccp.models import Contact, ContactEvent, ContactState, LambdaFunction, Timer, TimerKind
from ccp.services.contacts import contact_stop
from ccp.services.tasks import task_start
from ccp.worker.timers import timers_run_once
from tests.factories import InstanceFactory, QueueFactory
from tests.flows.conftest import action

ARN = "arn:aws:lambda:us-east-1:123456789012:function:slow-crm"
SECRET = b'{"errorMessage": "connect to 10.1.2.3 failed: password=hunter2"}'


class SlowEndpoint(BaseHTTPRequestHandler):
    """/held: the first request is held until the test releases it; later ones answer at once. /error: a 500
    whose body must not reach the contact."""

    calls = 0
    first_received = threading.Event()
    release = threading.Event()
    order: list[str] = []

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        if self.path == "/error":
            self._answer(500, SECRET)
            return
        SlowEndpoint.calls += 1
        if SlowEndpoint.calls == 1:
            SlowEndpoint.first_received.set()
            SlowEndpoint.release.wait(60)
            SlowEndpoint.order.append("first call answered")
        self._answer(200, b'{"tier": "gold"}')

    def _answer(self, status, body):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint(settings):
    settings.OUTBOUND_ALLOW_PRIVATE = True  # the endpoint listens on 127.0.0.1
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowEndpoint)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    SlowEndpoint.calls = 0
    SlowEndpoint.first_received = threading.Event()
    SlowEndpoint.release = threading.Event()
    SlowEndpoint.order = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    SlowEndpoint.release.set()
    server.shutdown()
    server.server_close()


def calling_flow(publish, *, again: bool = True):
    """Call the function, and on success call it again: only the run's budget of calls stops it."""
    return publish([
        action("lookup", "InvokeLambdaFunction", {
            "LambdaFunctionARN": ARN, "InvocationTimeLimitSeconds": "8",
        }, next_action="lookup" if again else "store", errors={"NoMatchingError": "refused"}),
        action("store", "UpdateContactAttributes", {"Attributes": {"tier": "$.External.tier"}},
               next_action="hang up"),
        action("refused", "UpdateContactAttributes", {"Attributes": {"outcome": "error branch"}},
               next_action="queue it"),
    ])


def database_held_by_another_session() -> bool:
    """Whether some connection sits in an open transaction now (the calling flow's, before this change)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state LIKE 'idle in transaction%%' AND pid <> pg_backend_pid()"
            )
            return cursor.fetchone()[0] > 0
    from ccp.sqlite.base import _write_lock

    return _write_lock(connection.settings_dict["NAME"]).locked()


def in_thread(target, errors: list):
    def run():
        try:
            target()
        except Exception as exc:  # reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_another_tenants_task_commits_while_a_flow_waits_on_a_slow_endpoint(publish, instance, endpoint, queue_flow):
    LambdaFunction.objects.create(instance=instance, arn=ARN, url=f"{endpoint}/held")
    flow = calling_flow(publish)
    other = InstanceFactory(alias="other-tenant")
    other_flow = queue_flow(QueueFactory(instance=other, name="Theirs"))
    errors: list = []

    slow = in_thread(lambda: task_start(instance=instance, name="Look me up", contact_flow=flow), errors)
    assert SlowEndpoint.first_received.wait(60), errors
    # The first call is now held at the endpoint. The calling flow holds no transaction meanwhile ...
    held = database_held_by_another_session()
    # ... so another tenant's StartTaskContact goes through to its commit before that call is answered.
    def other_start():
        task_start(instance=other, name="Theirs", contact_flow=other_flow)
        SlowEndpoint.order.append("other tenant's task committed")

    other_thread = in_thread(other_start, errors)
    other_thread.join(60)
    SlowEndpoint.release.set()
    slow.join(60)

    assert not errors
    assert not held, "a flow waiting on an endpoint must not hold the database"
    assert SlowEndpoint.order == ["other tenant's task committed", "first call answered"]
    assert Contact.objects.get(instance=other).state == ContactState.QUEUED
    calling = Contact.objects.get(instance=instance)
    # The first call's answer, given only after the other tenant's commit, was used (not timed out).
    assert calling.flow_trace[0]["branch"] == "Success"
    # It called as often as one run's budget allows, then took the error branch and said why.
    assert SlowEndpoint.calls == CALLS_PER_RUN
    assert calling.attributes["outcome"] == "error branch"
    refused = ContactEvent.objects.get(contact=calling, event="EXTERNAL_CALL_REFUSED")
    assert "budget of external calls" in refused.reason


@pytest.mark.django_db
def test_a_flow_waiting_on_a_call_whose_caller_died_takes_the_error_branch_when_the_worker_fires(
    publish, instance, endpoint
):
    LambdaFunction.objects.create(instance=instance, arn=ARN, url=f"{endpoint}/held")
    # In a test's own transaction nothing commits, so the call is never made: as if the process died.
    contact = task_start(instance=instance, name="Stranded?", contact_flow=calling_flow(publish, again=False))
    timer = Timer.objects.get(contact=contact, kind=TimerKind.LAMBDA_INVOKE)
    assert Contact.objects.get(pk=contact.pk).state == ContactState.IN_FLOW

    timers_run_once(now=timer.due_at + timedelta(seconds=1))

    contact.refresh_from_db()
    assert SlowEndpoint.calls == 0, "not called again: it may have reached the endpoint already"
    assert contact.attributes["outcome"] == "error branch"
    assert contact.state == ContactState.ENDED  # no queue set: the error branch's transfer fails and hangs up
    assert "server stopped while making this call" in contact.flow_trace[0]["message"]


@pytest.mark.django_db
def test_an_answer_for_a_contact_that_was_stopped_meanwhile_is_dropped(
    publish, instance, endpoint, django_capture_on_commit_callbacks
):
    LambdaFunction.objects.create(instance=instance, arn=ARN, url=f"{endpoint}/held")
    with django_capture_on_commit_callbacks() as pending:
        contact = task_start(instance=instance, name="Stopped", contact_flow=calling_flow(publish, again=False))
    contact = Contact.objects.get(pk=contact.pk)
    contact_stop(contact=contact)
    SlowEndpoint.release.set()
    for callback in pending:
        callback()
    contact.refresh_from_db()
    assert contact.state == ContactState.ENDED
    assert "tier" not in contact.attributes and "outcome" not in contact.attributes
    assert SlowEndpoint.calls == 0, "a stale call is not made"


@pytest.mark.django_db
def test_what_the_contact_keeps_about_a_failed_call_never_repeats_the_endpoints_answer(
    publish, instance, endpoint, django_capture_on_commit_callbacks
):
    LambdaFunction.objects.create(instance=instance, arn=ARN, url=f"{endpoint}/error")
    with django_capture_on_commit_callbacks(execute=True):
        contact = task_start(instance=instance, name="Failing", contact_flow=calling_flow(publish, again=False))
    contact.refresh_from_db()
    assert contact.attributes["outcome"] == "error branch"
    message = contact.flow_trace[0]["message"]
    assert message == f"Lambda {ARN}: The endpoint answered with status 500."
    kept = str(contact.flow_trace) + str(list(ContactEvent.objects.filter(contact=contact).values()))
    for leaked in ("10.1.2.3", "hunter2", "errorMessage", "127.0.0.1"):
        assert leaked not in kept
