"""Every factory of the test suite, in one module (cookiecutter-django habit)."""

import factory
from django.utils import timezone

from ccp import models as m
from tests.cast import password_hash


class InstanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Instance

    alias = factory.Sequence(lambda n: f"instance-{n}")
    timezone = "UTC"


class HoursOfOperationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.HoursOfOperation

    instance = factory.SubFactory(InstanceFactory)
    name = factory.Sequence(lambda n: f"Hours {n}")
    timezone = "UTC"
    config = factory.LazyFunction(
        lambda: [
            {"Day": day, "StartTime": {"Hours": 0, "Minutes": 0}, "EndTime": {"Hours": 23, "Minutes": 59}}
            for day in ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
        ]
    )


class QueueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Queue

    instance = factory.SubFactory(InstanceFactory)
    name = factory.Sequence(lambda n: f"Queue {n}")
    hours = factory.SubFactory(HoursOfOperationFactory, instance=factory.SelfAttribute("..instance"))


class RoutingProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.RoutingProfile

    instance = factory.SubFactory(InstanceFactory)
    name = factory.Sequence(lambda n: f"Routing profile {n}")
    default_outbound_queue = factory.SubFactory(QueueFactory, instance=factory.SelfAttribute("..instance"))
    task_concurrency = 10


class RoutingProfileQueueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.RoutingProfileQueue

    routing_profile = factory.SubFactory(RoutingProfileFactory)
    queue = factory.SubFactory(QueueFactory, instance=factory.SelfAttribute("..routing_profile.instance"))
    channel = "TASK"
    priority = 1
    delay_seconds = 0


class AgentStatusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.AgentStatus
        django_get_or_create = ("instance", "name")

    instance = factory.SubFactory(InstanceFactory)
    name = "Available"
    type = m.AgentStatus.Type.ROUTABLE


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.User
        skip_postgeneration_save = True

    instance = factory.SubFactory(InstanceFactory)
    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    # "correct horse battery staple", hashed once per process (tests/cast.py says why).
    password = factory.LazyFunction(password_hash)

    @factory.post_generation
    def security_profile(obj, create, extracted, **kwargs):
        """`security_profile="Admin"` (a default profile's name, or a list of names, or SecurityProfile rows):
        what the user holds; the instance's Agent profile when not given."""
        if create:
            security_profiles_give(obj, extracted or m.SecurityProfile.AGENT)


class AgentFactory(UserFactory):
    """An agent with a routing profile serving one queue for tasks, and a personal queue."""

    routing_profile = factory.SubFactory(RoutingProfileFactory, instance=factory.SelfAttribute("..instance"))

    @factory.post_generation
    def personal_queue(obj, create, extracted, **kwargs):
        if create:
            m.Queue.objects.get_or_create(
                agent=obj,
                defaults={"instance": obj.instance, "name": f"Agent queue {obj.username}", "queue_type": "AGENT"},
            )


class ContactFlowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.ContactFlow

    instance = factory.SubFactory(InstanceFactory)
    name = factory.Sequence(lambda n: f"Flow {n}")
    type = m.FlowType.CONTACT_FLOW
    content = '{"Version": "2019-10-30", "StartAction": "end", "Actions": [{"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}]}'  # noqa: E501
    status = m.FlowStatus.SAVED


class TaskTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.TaskTemplate

    instance = factory.SubFactory(InstanceFactory)
    name = factory.Sequence(lambda n: f"Template {n}")


class QuickConnectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.QuickConnect

    instance = factory.SubFactory(InstanceFactory)
    name = factory.Sequence(lambda n: f"Quick connect {n}")
    type = m.QuickConnect.Type.QUEUE
    queue = factory.SubFactory(QueueFactory, instance=factory.SelfAttribute("..instance"))


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Contact

    instance = factory.SubFactory(InstanceFactory)
    channel = m.Channel.TASK
    initiation_method = m.InitiationMethod.API
    state = m.ContactState.QUEUED
    name = factory.Sequence(lambda n: f"Task {n}")
    initiation_timestamp = factory.LazyFunction(timezone.now)
    last_update_timestamp = factory.LazyFunction(timezone.now)
    enqueue_timestamp = factory.LazyFunction(timezone.now)
    routing_order_at = factory.LazyFunction(timezone.now)


class ContactEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.ContactEvent

    contact = factory.SubFactory(ContactFactory)
    instance = factory.SelfAttribute("contact.instance")
    at = factory.LazyFunction(timezone.now)
    actor_type = "api"
    event = "CREATED"


def security_profiles_give(user: m.User, profiles) -> None:
    """Give `user` the named default profiles of their instance (made when missing), or the rows given."""
    from ccp.services.configuration.security_profiles import security_profiles_ensure

    if isinstance(profiles, str | m.SecurityProfile):
        profiles = [profiles]
    defaults = None
    rows = []
    for profile in profiles:
        if isinstance(profile, str):
            defaults = defaults or security_profiles_ensure(instance=user.instance)
            profile = defaults[profile]
        rows.append(profile)
    user.security_profiles.set(rows)
    user.security_forget()
