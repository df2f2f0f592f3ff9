"""Configuration services: each writes what it says, and refuses what the console's forms refuse,
so a caller that skips the form can't skip the rule."""

import pytest

from ccp.errors import DuplicateResource, InvalidFlow, InvalidParameter, InvalidRequest, ResourceInUse
from ccp.models import AgentStatus, ContactFlow, Queue, QuickConnect, RoutingProfileQueue, SecurityProfile, User
from ccp.services.configuration import agent_statuses, hours, queues, quick_connects, routing_profiles, users
from ccp.services.configuration.flows import flow_delete, flow_edit
from ccp.services.configuration.instance_settings import instance_update
from tests.factories import (
    AgentFactory,
    AgentStatusFactory,
    ContactFlowFactory,
    HoursOfOperationFactory,
    InstanceFactory,
    QueueFactory,
    QuickConnectFactory,
    RoutingProfileFactory,
    TaskTemplateFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NINE_TO_FIVE = [{"Day": "MONDAY", "StartTime": {"Hours": 9, "Minutes": 0}, "EndTime": {"Hours": 17, "Minutes": 0}}]


@pytest.fixture
def outsider(db):
    return InstanceFactory()


# Queues


def test_queue_create_makes_a_standard_queue_with_its_quick_connects(instance):
    shown = QuickConnectFactory(instance=instance)
    queue = queues.queue_create(instance=instance, name=" Billing ", max_contacts=5, quick_connects=[shown])
    assert (queue.name, queue.queue_type, queue.max_contacts) == ("Billing", Queue.Type.STANDARD, 5)
    assert list(queue.quick_connects.all()) == [shown]


def test_queue_create_refuses_a_name_the_instance_already_uses(instance):
    QueueFactory(instance=instance, name="Billing")
    with pytest.raises(DuplicateResource) as refusal:
        queues.queue_create(instance=instance, name="Billing")
    assert refusal.value.field == "name"


def test_queue_update_renames_and_refuses_hours_of_another_instance(instance, outsider):
    queue = QueueFactory(instance=instance)
    queues.queue_update(queue=queue, name="Renamed", hours=queue.hours)
    assert Queue.objects.get(pk=queue.pk).name == "Renamed"
    with pytest.raises(InvalidParameter):
        queues.queue_update(queue=queue, name="Renamed", hours=HoursOfOperationFactory(instance=outsider))


def test_queue_delete_removes_an_unused_queue_and_refuses_a_default_outbound_queue(instance):
    unused = QueueFactory(instance=instance)
    queues.queue_delete(queue=unused)
    assert not Queue.objects.filter(pk=unused.pk).exists()
    profile = RoutingProfileFactory(instance=instance, name="Support agents")
    with pytest.raises(ResourceInUse) as refusal:
        queues.queue_delete(queue=profile.default_outbound_queue)
    assert refusal.value.blockers == ["Routing profile “Support agents”"]


def test_a_personal_queue_is_not_edited_as_a_standard_queue(instance):
    agent = AgentFactory(instance=instance)
    with pytest.raises(InvalidRequest):
        queues.queue_update(queue=agent.personal_queue, name="Mine")


# Hours of operation


def test_hours_create_keeps_the_open_ranges(instance):
    made = hours.hours_create(instance=instance, name="Office", timezone="Europe/Paris", config=NINE_TO_FIVE)
    assert (made.timezone, made.config) == ("Europe/Paris", NINE_TO_FIVE)


def test_hours_that_close_before_they_open_are_refused(instance):
    backwards = [{**NINE_TO_FIVE[0], "EndTime": {"Hours": 8, "Minutes": 0}}]
    with pytest.raises(InvalidParameter):
        hours.hours_create(instance=instance, name="Office", config=backwards)


def test_hours_update_and_delete_refuse_while_a_queue_keeps_them(instance):
    queue = QueueFactory(instance=instance)
    hours.hours_update(hours=queue.hours, name="Weekdays", config=NINE_TO_FIVE)
    assert queue.hours.name == "Weekdays"
    with pytest.raises(ResourceInUse):
        hours.hours_delete(hours=queue.hours)


# Routing profiles


def test_routing_profile_create_writes_the_profile_and_its_queues_together(instance):
    support, billing = QueueFactory(instance=instance), QueueFactory(instance=instance)
    profile = routing_profiles.routing_profile_create(
        instance=instance,
        name="Support agents",
        default_outbound_queue=support,
        task_concurrency=3,
        queues=[routing_profiles.ProfileQueue(queue=support), routing_profiles.ProfileQueue(queue=billing, priority=2)],
    )
    rows = RoutingProfileQueue.objects.filter(routing_profile=profile).order_by("priority")
    assert [(r.queue, r.priority) for r in rows] == [(support, 1), (billing, 2)]


def test_routing_profile_with_the_same_queue_twice_on_a_channel_saves_nothing(instance):
    support = QueueFactory(instance=instance)
    twice = [routing_profiles.ProfileQueue(queue=support), routing_profiles.ProfileQueue(queue=support, priority=2)]
    with pytest.raises(InvalidParameter):
        routing_profiles.routing_profile_create(
            instance=instance, name="Twice", default_outbound_queue=support, queues=twice
        )
    assert not instance.routing_profiles.filter(name="Twice").exists()


def test_routing_profile_update_changes_a_priority_and_drops_a_queue(instance):
    support, billing = QueueFactory(instance=instance), QueueFactory(instance=instance)
    profile = routing_profiles.routing_profile_create(
        instance=instance,
        name="Support agents",
        default_outbound_queue=support,
        queues=[routing_profiles.ProfileQueue(queue=support), routing_profiles.ProfileQueue(queue=billing)],
    )
    routing_profiles.routing_profile_update(
        routing_profile=profile,
        name="Support agents",
        default_outbound_queue=support,
        queues=[routing_profiles.ProfileQueue(queue=support, priority=5)],
    )
    assert list(profile.queue_configs.values_list("queue_id", "priority")) == [(support.pk, 5)]


def test_task_concurrency_above_ten_is_refused(instance):
    profile = RoutingProfileFactory(instance=instance)
    with pytest.raises(InvalidParameter) as refusal:
        routing_profiles.routing_profile_update(
            routing_profile=profile, name=profile.name, default_outbound_queue=profile.default_outbound_queue,
            task_concurrency=11,
        )
    assert refusal.value.field == "task_concurrency"


def test_routing_profile_delete_refuses_while_an_agent_has_it(instance):
    agent = AgentFactory(instance=instance)
    with pytest.raises(ResourceInUse):
        routing_profiles.routing_profile_delete(routing_profile=agent.routing_profile)
    unused = RoutingProfileFactory(instance=instance)
    routing_profiles.routing_profile_delete(routing_profile=unused)
    assert not instance.routing_profiles.filter(pk=unused.pk).exists()


# Quick connects


def test_quick_connect_create_keeps_only_the_target_of_its_type(instance):
    queue = QueueFactory(instance=instance)
    made = quick_connects.quick_connect_create(
        instance=instance, name="Billing", type="QUEUE", queue=queue, phone_number="+15550100"
    )
    assert (made.queue, made.phone_number, made.user) == (queue, "", None)


def test_a_quick_connect_to_an_agent_needs_the_agent(instance):
    with pytest.raises(InvalidParameter) as refusal:
        quick_connects.quick_connect_create(instance=instance, name="Ann", type="USER")
    assert refusal.value.field == "user"


def test_quick_connect_update_and_delete(instance):
    quick_connect = QuickConnectFactory(instance=instance)
    quick_connects.quick_connect_update(
        quick_connect=quick_connect, name="Outside", type="PHONE_NUMBER", phone_number="+15550100"
    )
    quick_connect.refresh_from_db()
    assert (quick_connect.type, quick_connect.queue, quick_connect.phone_number) == ("PHONE_NUMBER", None, "+15550100")
    quick_connects.quick_connect_delete(quick_connect=quick_connect)
    assert not QuickConnect.objects.filter(pk=quick_connect.pk).exists()


# Users


def test_user_create_makes_an_agent_who_can_sign_in_with_a_personal_queue(instance):
    profile = RoutingProfileFactory(instance=instance)
    user = users.user_create(
        instance=instance, username="newbie", password="a long enough passphrase", routing_profile=profile
    )
    assert user.check_password("a long enough passphrase")
    assert Queue.objects.filter(agent=user, queue_type=Queue.Type.AGENT).exists()


def test_an_agent_without_a_routing_profile_is_refused(instance):
    with pytest.raises(InvalidParameter) as refusal:
        users.user_create(instance=instance, username="x", password="a long enough passphrase")
    assert refusal.value.field == "routing_profile"
    assert not User.objects.filter(username="x").exists()


def test_user_update_keeps_the_password_when_none_is_given(instance):
    agent = AgentFactory(instance=instance)
    users.user_update(
        user=agent, username=agent.username, first_name="Renamed",
        security_profiles=list(agent.security_profiles.all()), routing_profile=agent.routing_profile,
    )
    agent.refresh_from_db()
    assert agent.first_name == "Renamed"
    assert agent.check_password("correct horse battery staple")


def test_an_admin_cannot_demote_or_delete_themselves(instance):
    admin = UserFactory(instance=instance, security_profile=SecurityProfile.ADMIN)
    with pytest.raises(InvalidRequest):
        users.user_update(user=admin, username=admin.username,
                          security_profiles=[SecurityProfile.objects.get(instance=instance, name="Agent")],
                          routing_profile=RoutingProfileFactory(instance=instance), actor=admin)
    with pytest.raises(InvalidRequest):
        users.user_delete(user=admin, actor=admin)
    assert [p.name for p in User.objects.get(pk=admin.pk).security_profiles.all()] == [SecurityProfile.ADMIN]


def test_user_delete_removes_the_user_and_their_personal_queue(instance):
    admin = UserFactory(instance=instance, security_profile=SecurityProfile.ADMIN)
    agent = AgentFactory(instance=instance)
    personal = agent.personal_queue.pk
    users.user_delete(user=agent, actor=admin)
    assert not User.objects.filter(username=agent.username).exists()
    assert not Queue.objects.filter(pk=personal).exists()


# Agent statuses


def test_agent_status_create_and_update(instance):
    status = agent_statuses.agent_status_create(instance=instance, name="Break", type="CUSTOM", display_order=3)
    agent_statuses.agent_status_update(status=status, name="Lunch", type="CUSTOM", display_order=4)
    status.refresh_from_db()
    assert (status.name, status.display_order) == ("Lunch", 4)


def test_an_admin_cannot_create_a_missed_status_or_retype_the_system_one(instance):
    with pytest.raises(InvalidParameter):
        agent_statuses.agent_status_create(instance=instance, name="Gone", type="MISSED")
    missed = AgentStatusFactory(instance=instance, name="Missed", type=AgentStatus.Type.MISSED)
    with pytest.raises(InvalidParameter):
        agent_statuses.agent_status_update(status=missed, name="Missed", type="CUSTOM")


def test_the_only_available_status_and_a_status_in_use_are_not_deleted(instance):
    available = AgentStatusFactory(instance=instance, name="Available", type=AgentStatus.Type.ROUTABLE)
    with pytest.raises(InvalidRequest):
        agent_statuses.agent_status_delete(status=available)
    brk = AgentStatusFactory(instance=instance, name="Break", type=AgentStatus.Type.CUSTOM)
    AgentFactory(instance=instance, status=brk)
    with pytest.raises(ResourceInUse):
        agent_statuses.agent_status_delete(status=brk)
    lunch = AgentStatusFactory(instance=instance, name="Lunch", type=AgentStatus.Type.CUSTOM)
    agent_statuses.agent_status_delete(status=lunch)
    assert not AgentStatus.objects.filter(pk=lunch.pk).exists()


# Instance settings


def test_instance_update_changes_the_timezone_and_quota(instance):
    instance_update(instance=instance, timezone="Europe/Paris", active_task_quota=7, api_rate_per_second=2, api_burst=4)
    instance.refresh_from_db()
    assert (instance.timezone, instance.active_task_quota, instance.api_burst) == ("Europe/Paris", 7, 4)


def test_a_burst_smaller_than_the_rate_is_refused(instance):
    with pytest.raises(InvalidParameter) as refusal:
        instance_update(instance=instance, timezone="UTC", active_task_quota=7, api_rate_per_second=5, api_burst=4)
    assert refusal.value.field == "api_burst"


# Flows


def test_flow_edit_renames_and_refuses_a_taken_name(instance):
    ContactFlowFactory(instance=instance, name="Taken")
    flow = ContactFlowFactory(instance=instance)
    flow_edit(flow=flow, name="Triage", type="CONTACT_FLOW", content=flow.content, publish=False)
    assert ContactFlow.objects.get(pk=flow.pk).name == "Triage"
    with pytest.raises(DuplicateResource):
        flow_edit(flow=flow, name="Taken", type="CONTACT_FLOW", content=flow.content, publish=False)


def test_flow_edit_with_content_that_cannot_be_published_keeps_the_old_name_too(instance):
    flow = ContactFlowFactory(instance=instance, name="Triage")
    with pytest.raises(InvalidFlow):
        flow_edit(flow=flow, name="Renamed", type="CONTACT_FLOW", content="not a flow", publish=True)
    assert ContactFlow.objects.get(pk=flow.pk).name == "Triage"


def test_flow_delete_refuses_while_a_task_template_uses_it(instance):
    flow = ContactFlowFactory(instance=instance)
    TaskTemplateFactory(instance=instance, flow=flow, name="Uses it")
    with pytest.raises(ResourceInUse) as refusal:
        flow_delete(flow=flow)
    assert refusal.value.blockers == ["Task template “Uses it”"]
