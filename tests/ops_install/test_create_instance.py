"""First install: `create_instance` builds an instance as Amazon Connect would, with its first admin."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ccp.models import (
    AgentStatus,
    ContactFlow,
    FlowStatus,
    HoursOfOperation,
    Instance,
    Queue,
    RoutingProfile,
    RoutingProfileQueue,
    SecurityProfile,
    User,
)

pytestmark = pytest.mark.django_db

PASSWORD = "Correct-horse-battery-9"


def create(monkeypatch, *, password=PASSWORD, **options):
    if password is None:
        monkeypatch.delenv("CREATE_INSTANCE_ADMIN_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("CREATE_INSTANCE_ADMIN_PASSWORD", password)
    args = {"alias": "acme", "admin_username": "ada", "admin_email": "ada@example.com", **options}
    out = io.StringIO()
    call_command("create_instance", *[f"--{k.replace('_', '-')}={v}" for k, v in args.items()], stdout=out)
    return out.getvalue()


def everything() -> dict:
    models = [Instance, User, Queue, RoutingProfile, RoutingProfileQueue, HoursOfOperation, ContactFlow, AgentStatus]
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


def test_it_creates_the_instance_its_admin_and_what_amazon_connect_starts_with(monkeypatch, client):
    out = create(monkeypatch, timezone="Europe/Paris")
    instance = Instance.objects.get(alias="acme")
    assert instance.timezone == "Europe/Paris"
    assert f"Instance acme created (id {instance.id})" in out and PASSWORD not in out

    admin = User.objects.get(username="ada")
    assert admin.instance == instance and [p.name for p in admin.security_profiles.all()] == [SecurityProfile.ADMIN]
    assert set(instance.security_profiles.values_list("name", flat=True)) == {
        "Admin", "CallCenterManager", "Agent", "QualityAnalyst"
    }
    assert admin.email == "ada@example.com"
    assert client.login(username="ada", password=PASSWORD)
    assert Queue.objects.get(agent=admin).queue_type == Queue.Type.AGENT

    statuses = set(AgentStatus.objects.filter(instance=instance).values_list("name", "type"))
    assert statuses == {("Available", "ROUTABLE"), ("Offline", "OFFLINE"), ("Missed", "MISSED")}
    assert admin.status.name == "Offline"

    hours = HoursOfOperation.objects.get(instance=instance, name="Basic Hours")
    assert len(hours.config) == 7 and hours.timezone == "Europe/Paris"
    queue = Queue.objects.get(instance=instance, name="BasicQueue")
    assert queue.hours == hours
    profile = RoutingProfile.objects.get(instance=instance, name="Basic Routing Profile")
    assert admin.routing_profile == profile and profile.default_outbound_queue == queue
    assert list(profile.queue_configs.values_list("queue__name", "channel")) == [("BasicQueue", "TASK")]

    flows = dict(ContactFlow.objects.filter(instance=instance).values_list("name", "type"))
    assert flows == {
        "Sample inbound flow": "CONTACT_FLOW",
        "Default customer queue": "CUSTOMER_QUEUE",
        "Default queue transfer": "QUEUE_TRANSFER",
        "Default agent transfer": "AGENT_TRANSFER",
    }
    assert set(ContactFlow.objects.filter(instance=instance).values_list("status", flat=True)) == {FlowStatus.PUBLISHED}


def test_the_sample_inbound_flow_puts_a_task_in_basic_queue(monkeypatch):
    from ccp.services.tasks import task_start

    create(monkeypatch)
    instance = Instance.objects.get(alias="acme")
    flow = ContactFlow.objects.get(instance=instance, name="Sample inbound flow")
    task = task_start(instance=instance, contact_flow=flow, name="First task")
    task.refresh_from_db()
    assert task.queue.name == "BasicQueue"


def test_running_it_again_with_the_same_alias_fails_and_changes_nothing(monkeypatch):
    create(monkeypatch)
    before = everything()
    with pytest.raises(CommandError, match="alias 'acme' already exists"):
        create(monkeypatch, admin_username="bob", admin_email="bob@example.com")
    assert everything() == before


def test_a_username_taken_in_another_instance_is_refused_and_nothing_is_written(monkeypatch):
    create(monkeypatch)
    before = everything()
    with pytest.raises(CommandError, match="username 'ada' is taken"):
        create(monkeypatch, alias="globex")
    assert everything() == before


def test_without_a_password_and_without_a_terminal_it_says_what_to_set(monkeypatch):
    with pytest.raises(CommandError, match="CREATE_INSTANCE_ADMIN_PASSWORD"):
        create(monkeypatch, password=None)
    assert not Instance.objects.exists() and not User.objects.exists()


@pytest.mark.parametrize("weak", ["password", "short1", "12345678"])
def test_a_weak_password_is_refused_by_the_password_validators(monkeypatch, weak):
    with pytest.raises(CommandError):
        create(monkeypatch, password=weak)
    assert not Instance.objects.exists()


def test_a_bad_timezone_or_alias_is_refused_before_anything_is_written(monkeypatch):
    with pytest.raises(CommandError, match="timezone"):
        create(monkeypatch, timezone="Mars/Olympus")
    with pytest.raises(CommandError, match="alias"):
        create(monkeypatch, alias="acme corp!")
    assert not Instance.objects.exists()


def test_an_interactive_run_asks_for_the_password_twice(monkeypatch):
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    create(monkeypatch, password=None)
    assert User.objects.get(username="ada").check_password(PASSWORD)


def test_two_different_passwords_create_nothing(monkeypatch):
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    with pytest.raises(CommandError, match="differ"):
        create(monkeypatch, password=None)
    assert not Instance.objects.exists()


def test_createsuperuser_says_to_use_create_instance():
    with pytest.raises(CommandError, match="create_instance --alias"):
        call_command("createsuperuser", "--noinput", "--username", "root")
