import os

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in the test thread; Django's async-safety check must allow
# ORM calls from the tests that drive a browser.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The servers the tests start (daphne, run_worker, the browser tests' live server) refuse a throwaway SECRET_KEY:
# they get this process's key, so they also read the API secrets it encrypted.
os.environ.setdefault("SECRET_KEY", settings.SECRET_KEY)

SERVICE_MODE = bool(os.environ.get("DATABASE_URL")) and bool(os.environ.get("REDIS_URL"))


def pytest_report_header(config):
    db = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    return f"taskcenter: database={db} channel_layer={layer}"


def pytest_collection_modifyitems(config, items):
    """Tests marked `services` need PostgreSQL and Redis. Without DATABASE_URL and REDIS_URL they are
    deselected — loudly — and .ci/run's second pass runs them. With them set, an unreachable service
    fails the test: nothing skips silently."""
    # Browser tests last: Playwright's sync API keeps an event loop running in the main thread for the
    # rest of the session, and tests that call async_to_sync can't run after it has started.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
    if SERVICE_MODE:
        return
    keep, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker("services") else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.write_line(
                f"{len(dropped)} tests need PostgreSQL + Redis (DATABASE_URL, REDIS_URL) and run in .ci/run's "
                "second pass; deselected here.",
                yellow=True,
            )


@pytest.fixture(scope="session")
def django_db_modify_db_settings(request):
    """Under pytest-xdist each worker gets its own test database. On PostgreSQL that is pytest-django's
    `_gw<N>` suffix on the name; the embedded SQLite default already tests in memory, one database per
    process, and the suffix would turn its file path into a name SQLite can't open."""
    if SERVICE_MODE:
        request.getfixturevalue("django_db_modify_db_settings_parallel_suffix")


@pytest.fixture
def instance(db):
    from tests.factories import InstanceFactory

    return InstanceFactory()


@pytest.fixture
def statuses(instance):
    from ccp.services.agents import agent_statuses_ensure

    return agent_statuses_ensure(instance=instance)


@pytest.fixture
def queue_flow():
    """Make a published flow that sets the working queue to `queue` and transfers to it."""
    from ccp.demo.loader import route_to_queue_flow
    from ccp.models import ContactFlow

    def make(queue, name=None):
        content = route_to_queue_flow(queue)
        return ContactFlow.objects.create(
            instance=queue.instance,
            name=name or f"To {queue.name}",
            content=content,
            published_content=content,
            status="PUBLISHED",
        )

    return make



class Pushes(list):
    """What `publish` sent to agents, in order, as (group, event) pairs; `supervisors` holds what it sent to
    the real-time metrics pages."""

    def __init__(self):
        super().__init__()
        self.supervisors: list[tuple[str, dict]] = []

    def to(self, user) -> list[dict]:
        """The events sent to one agent's tabs."""
        from ccp.realtime.publish import agent_group

        return [event for group, event in self if group == agent_group(user.id)]

    def reasons(self, user) -> list[str]:
        return [event["reason"] for event in self.to(user)]


@pytest.fixture
def pushes(monkeypatch):
    """Capture what `publish` sends (as Zulip's tests capture events): recorded at its final send, which runs
    only once the transaction commits, and then passed on to the real channel layer. Needs on_commit to run:
    a transactional test, or `django_capture_on_commit_callbacks(execute=True)`."""
    from ccp.realtime import publish

    sent = Pushes()
    real_send = publish._send

    def recording_send(groups, event):
        # The supervisors' metrics signals go to their own list: these tests count what agents receive.
        for group in groups:
            target = sent.supervisors if group.startswith("supervisors.") else sent
            target.append((group, event))
        real_send(groups, event)

    monkeypatch.setattr(publish, "_send", recording_send)
    return sent


@pytest.fixture
def cast(instance, statuses):
    """The shared contact center and its people (tests/cast.py), in the test's `instance`."""
    from tests.cast import Cast

    return Cast(instance=instance, statuses=statuses)
