"""The console and the API are one configuration: a change saved in the console is what Describe answers at
once, and a change made through the API is what the console's pages show."""

import pytest
from django.urls import reverse

from ccp.models import AgentStatus, AuditEntry
from tests.factories import HoursOfOperationFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admin_client(client, cast):
    client.force_login(cast.admin)
    return client


def test_a_queue_changed_in_the_console_is_described_and_the_other_way(connect, instance, cast, admin_client):
    hours = HoursOfOperationFactory(instance=instance, name="Late")
    admin_client.post(
        reverse("admin_console:queue_edit", args=[cast.queue.pk]),
        {
            "name": "Front desk",
            "description": "First line",
            "hours": hours.pk,
            "max_contacts": "7",
            "status": "DISABLED",
        },
    )
    described = connect.describe_queue(InstanceId=instance.id, QueueId=cast.queue.id)["Queue"]
    assert (described["Name"], described["Description"], described["MaxContacts"]) == ("Front desk", "First line", 7)
    assert described["HoursOfOperationId"] == hours.id and described["Status"] == "DISABLED"
    entry = AuditEntry.objects.get(resource_id=cast.queue.id, actor=cast.admin, action="UPDATE")
    assert (entry.before["name"], entry.after["name"]) == ("Support", "Front desk")
    assert (entry.before["status"], entry.after["status"]) == ("ENABLED", "DISABLED")

    connect.update_queue_name(InstanceId=instance.id, QueueId=cast.queue.id, Name="Help <desk>")
    connect.update_queue_status(InstanceId=instance.id, QueueId=cast.queue.id, Status="ENABLED")
    page = admin_client.get(reverse("admin_console:queue_list")).content.decode()
    assert "Help &lt;desk&gt;</a>" in page and "Front desk</a>" not in page
    form = admin_client.get(reverse("admin_console:queue_edit", args=[cast.queue.pk])).content.decode()
    assert 'value="Help &lt;desk&gt;"' in form and '<option value="ENABLED" selected>' in form


def test_a_routing_profile_changed_in_the_console_is_described_and_the_other_way(connect, instance, cast, admin_client):
    admin_client.post(
        reverse("admin_console:routing_profile_edit", args=[cast.profile.pk]),
        {
            "name": "Tier 1",
            "description": "",
            "default_outbound_queue": cast.other_queue.pk,
            "task_concurrency": 4,
            "task_offer_timeout_seconds": 30,
            "voice_concurrency": 0,
            "chat_concurrency": 0,
            "queues-TOTAL_FORMS": 1,
            "queues-INITIAL_FORMS": 0,
            "queues-0-queue": cast.other_queue.pk,
            "queues-0-channel": "TASK",
            "queues-0-priority": 3,
            "queues-0-delay_seconds": 15,
        },
    )
    described = connect.describe_routing_profile(InstanceId=instance.id, RoutingProfileId=cast.profile.id)[
        "RoutingProfile"
    ]
    assert described["Name"] == "Tier 1" and described["DefaultOutboundQueueId"] == cast.other_queue.id
    assert [(m["Channel"], m["Concurrency"]) for m in described["MediaConcurrencies"]] == [("TASK", 4)]
    queues = connect.list_routing_profile_queues(InstanceId=instance.id, RoutingProfileId=cast.profile.id)
    assert [(q["QueueName"], q["Priority"], q["Delay"]) for q in queues["RoutingProfileQueueConfigSummaryList"]] == [
        ("Billing", 3, 15)
    ]

    connect.update_routing_profile_name(InstanceId=instance.id, RoutingProfileId=cast.profile.id, Name="Tier 2")
    connect.update_routing_profile_concurrency(
        InstanceId=instance.id,
        RoutingProfileId=cast.profile.id,
        MediaConcurrencies=[{"Channel": "TASK", "Concurrency": 6}],
    )
    page = admin_client.get(reverse("admin_console:routing_profile_list")).content.decode()
    assert "Tier 2</a>" in page and "Tier 1</a>" not in page
    form = admin_client.get(reverse("admin_console:routing_profile_edit", args=[cast.profile.pk])).content.decode()
    assert 'name="task_concurrency" value="6"' in form


def test_quick_connects_hours_and_statuses_agree_both_ways(connect, instance, cast, admin_client):
    admin_client.post(
        reverse("admin_console:quick_connect_edit", args=[cast.qc_other_queue.pk]),
        {"name": "Billing team", "type": "QUEUE", "queue": cast.queue.pk, "flow": cast.qc_flow.pk},
    )
    qc = connect.describe_quick_connect(InstanceId=instance.id, QuickConnectId=cast.qc_other_queue.id)["QuickConnect"]
    assert qc["Name"] == "Billing team" and qc["QuickConnectConfig"]["QueueConfig"]["QueueId"] == cast.queue.id
    connect.update_quick_connect_name(InstanceId=instance.id, QuickConnectId=cast.qc_other_queue.id, Name="Money team")
    assert "Money team" in admin_client.get(reverse("admin_console:quick_connect_list")).content.decode()

    made = connect.create_hours_of_operation(
        InstanceId=instance.id,
        Name="Weekend",
        TimeZone="Europe/Paris",
        Config=[{"Day": "SATURDAY", "StartTime": {"Hours": 10, "Minutes": 0}, "EndTime": {"Hours": 14, "Minutes": 0}}],
    )
    assert "Weekend" in admin_client.get(reverse("admin_console:hours_list")).content.decode()
    form = admin_client.get(reverse("admin_console:hours_edit", args=[made["HoursOfOperationId"]])).content.decode()
    assert 'value="10:00"' in form and 'value="14:00"' in form
    admin_client.post(
        reverse("admin_console:hours_edit", args=[made["HoursOfOperationId"]]),
        {"name": "Weekend", "timezone": "UTC", "SUNDAY_open": "on", "SUNDAY_start": "08:00", "SUNDAY_end": "12:00"},
    )
    hours = connect.describe_hours_of_operation(InstanceId=instance.id, HoursOfOperationId=made["HoursOfOperationId"])[
        "HoursOfOperation"
    ]
    assert hours["TimeZone"] == "UTC" and [c["Day"] for c in hours["Config"]] == ["SUNDAY"]

    admin_client.post(
        reverse("admin_console:agent_status_edit", args=[cast.break_status.pk]),
        {"name": "Lunch", "description": "Eating", "type": "CUSTOM", "state": "DISABLED", "display_order": 4},
    )
    status = connect.describe_agent_status(InstanceId=instance.id, AgentStatusId=cast.break_status.id)["AgentStatus"]
    assert (status["Name"], status["Description"], status["State"], status["DisplayOrder"]) == (
        "Lunch",
        "Eating",
        "DISABLED",
        4,
    )
    created = connect.create_agent_status(InstanceId=instance.id, Name="Coaching", State="ENABLED")
    assert "Coaching" in admin_client.get(reverse("admin_console:agent_status_list")).content.decode()
    assert AgentStatus.objects.get(pk=created["AgentStatusId"]).type == "CUSTOM"
