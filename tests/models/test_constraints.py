"""Every database constraint of the domain model refuses what it should, at the database itself."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from ccp.models import Contact, Queue, QuickConnect, RoutingProfile, RoutingProfileQueue, SecurityProfile, TaskTemplate
from tests.factories import (
    AgentFactory,
    AgentStatusFactory,
    ContactFactory,
    ContactFlowFactory,
    InstanceFactory,
    QueueFactory,
    RoutingProfileFactory,
    TaskTemplateFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def refused(fn):
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()
    return True


def test_instance_quota_must_be_positive():
    assert refused(lambda: InstanceFactory(active_task_quota=0))


def test_instance_alias_is_unique():
    InstanceFactory(alias="acme")
    assert refused(lambda: InstanceFactory(alias="acme"))


def test_names_are_unique_within_an_instance_but_not_across(instance):
    QueueFactory(instance=instance, name="Billing")
    assert refused(lambda: QueueFactory(instance=instance, name="Billing"))
    QueueFactory(instance=InstanceFactory(), name="Billing")
    assert Queue.objects.filter(name="Billing").count() == 2


def test_agent_status_type_is_one_of_the_known_types(instance):
    assert refused(lambda: AgentStatusFactory(instance=instance, name="Lunch", type="NAPPING"))


def test_a_security_profile_name_is_unique_in_its_instance(instance):
    SecurityProfile.objects.create(instance=instance, name="Leads")
    assert refused(lambda: SecurityProfile.objects.create(instance=instance, name="Leads"))
    SecurityProfile.objects.create(instance=InstanceFactory(), name="Leads")


def test_a_personal_queue_needs_an_agent_and_a_standard_queue_has_none(instance):
    agent = UserFactory(instance=instance)
    assert refused(lambda: Queue.objects.create(instance=instance, name="x", queue_type="AGENT"))
    assert refused(lambda: Queue.objects.create(instance=instance, name="y", queue_type="STANDARD", agent=agent))


def test_routing_profile_concurrency_follows_amazon_connect(instance):
    queue = QueueFactory(instance=instance)
    assert refused(lambda: RoutingProfileFactory(instance=instance, default_outbound_queue=queue, task_concurrency=11))
    assert refused(lambda: RoutingProfileFactory(instance=instance, default_outbound_queue=queue, chat_concurrency=11))
    assert refused(lambda: RoutingProfileFactory(instance=instance, default_outbound_queue=queue, voice_concurrency=2))
    assert refused(
        lambda: RoutingProfileFactory(instance=instance, default_outbound_queue=queue, task_offer_timeout_seconds=1)
    )
    assert RoutingProfile.objects.count() == 0


def test_a_queue_appears_once_per_channel_in_a_profile_with_a_sane_priority(instance):
    rp = RoutingProfileFactory(instance=instance)
    RoutingProfileQueue.objects.create(routing_profile=rp, queue=rp.default_outbound_queue)
    assert refused(lambda: RoutingProfileQueue.objects.create(routing_profile=rp, queue=rp.default_outbound_queue))
    other = QueueFactory(instance=instance)
    assert refused(lambda: RoutingProfileQueue.objects.create(routing_profile=rp, queue=other, priority=0))


def test_a_quick_connect_target_matches_its_type(instance):
    queue = QueueFactory(instance=instance)
    agent = UserFactory(instance=instance)
    assert refused(lambda: QuickConnect.objects.create(instance=instance, name="a", type="USER"))
    assert refused(lambda: QuickConnect.objects.create(instance=instance, name="b", type="QUEUE", user=agent))
    assert refused(lambda: QuickConnect.objects.create(instance=instance, name="c", type="PHONE_NUMBER"))
    QuickConnect.objects.create(instance=instance, name="ok", type="QUEUE", queue=queue)
    assert QuickConnect.objects.count() == 1


def test_a_flow_type_is_one_of_the_five_task_flow_types(instance):
    assert refused(lambda: ContactFlowFactory(instance=instance, type="OUTBOUND_WHISPER"))


def test_a_published_flow_has_published_content(instance):
    assert refused(lambda: ContactFlowFactory(instance=instance, status="PUBLISHED", published_content=""))


def test_a_task_template_status_is_active_or_inactive(instance):
    assert refused(lambda: TaskTemplateFactory(instance=instance, status="DRAFT"))
    assert TaskTemplate.objects.count() == 0


def test_a_contact_has_a_previous_or_a_related_contact_not_both(instance):
    a = ContactFactory(instance=instance)
    assert refused(lambda: ContactFactory(instance=instance, previous_contact=a, related_contact=a))


def test_an_ended_contact_records_why(instance):
    assert refused(lambda: ContactFactory(instance=instance, state="ENDED", disconnect_reason=""))


def test_a_contact_with_an_agent_state_has_an_agent(instance):
    assert refused(lambda: ContactFactory(instance=instance, state="CONNECTED", agent=None))
    agent = AgentFactory(instance=instance)
    ContactFactory(instance=instance, state="CONNECTED", agent=agent)


def test_a_contact_state_and_channel_are_known_values(instance):
    assert refused(lambda: ContactFactory(instance=instance, state="LIMBO"))
    assert refused(lambda: ContactFactory(instance=instance, channel="FAX"))


def test_a_contact_is_transferred_at_most_eleven_times(instance):
    assert refused(lambda: ContactFactory(instance=instance, transfer_count=12))


def test_client_tokens_are_unique_per_instance_and_operation(instance):
    from ccp.models import IdempotencyToken

    contact = ContactFactory(instance=instance)
    IdempotencyToken.objects.create(
        instance=instance,
        operation="StartTaskContact",
        token="t",
        request_hash="h",
        contact=contact,
        created_at=timezone.now(),
    )
    assert refused(
        lambda: IdempotencyToken.objects.create(
            instance=instance,
            operation="StartTaskContact",
            token="t",
            request_hash="h2",
            contact=contact,
            created_at=timezone.now(),
        )
    )


def test_name_and_description_lengths_are_enforced_by_the_columns_too(instance):
    contact = ContactFactory.build(instance=instance, name="x" * 513)
    with pytest.raises(Exception):  # noqa: B017 - validation error from full_clean
        contact.full_clean()
    assert Contact.objects.count() == 0


def test_the_migration_gives_existing_users_the_default_profiles_of_today():
    """0013 writes the defaults out (a migration must not change with later code): they match the catalogue's."""
    import importlib

    from ccp.models.security import DEFAULT_PROFILES

    migration = importlib.import_module("ccp.migrations.0020_secprof_security_profiles_data")
    assert {name: (d, list(p)) for name, (d, p) in DEFAULT_PROFILES.items()} == migration.DEFAULTS
