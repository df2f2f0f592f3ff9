"""PreviousContactId chains, RelatedContactId copies, and task templates, through boto3."""

import datetime as dt

import pytest
from django.utils import timezone

from ccp.models import Channel, Contact, Timer, TimerKind
from tests.api.wire import expect_error
from tests.factories import ContactFactory, TaskTemplateFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def start(connect, instance, task_flow):
    def call(**changes):
        params = {"InstanceId": instance.id, "ContactFlowId": task_flow.id, "Name": "Follow-up", **changes}
        return connect.start_task_contact(**{k: v for k, v in params.items() if v is not None})["ContactId"]

    return call


def test_previous_contact_copies_attributes_and_updates_reach_the_whole_chain(connect, instance, start):
    first = start(Attributes={"order": "42"})
    second = start(PreviousContactId=first)
    third = start(PreviousContactId=first)
    assert connect.get_contact_attributes(InstanceId=instance.id, InitialContactId=second)["Attributes"] == {
        "order": "42"
    }
    connect.update_contact_attributes(InstanceId=instance.id, InitialContactId=third, Attributes={"status": "late"})
    for contact_id in (first, second, third):
        attributes = connect.get_contact_attributes(InstanceId=instance.id, InitialContactId=contact_id)["Attributes"]
        assert attributes == {"order": "42", "status": "late"}


def test_twelve_tasks_share_a_previous_contact_and_the_thirteenth_is_refused(start, nothing_written_after):
    """Seed 003: "12 task contacts can be created that share the same PreviousContactId"; the root is not one."""
    first = start()
    twelve = [start(PreviousContactId=first) for _ in range(12)]
    assert Contact.objects.filter(previous_contact_id=first).count() == len(twelve) == 12
    check = nothing_written_after()
    error = expect_error(lambda: start(PreviousContactId=first), "ServiceQuotaExceededException", 402)
    assert "12 tasks referencing the same PreviousContactId" in error
    check()


def test_a_chain_on_a_voice_root_also_holds_twelve_tasks(start, instance, nothing_written_after):
    """The limit does not depend on the previous contact's channel."""
    voice = ContactFactory(instance=instance, channel=Channel.VOICE)
    for _ in range(12):
        start(PreviousContactId=voice.id)
    check = nothing_written_after()
    expect_error(lambda: start(PreviousContactId=voice.id), "ServiceQuotaExceededException", 402)
    check()


def test_related_contact_copies_attributes_once_and_has_no_limit(connect, instance, start):
    origin = start(Attributes={"order": "42"})
    related = [start(RelatedContactId=origin) for _ in range(13)]
    connect.update_contact_attributes(InstanceId=instance.id, InitialContactId=related[0], Attributes={"x": "1"})
    assert connect.get_contact_attributes(InstanceId=instance.id, InitialContactId=origin)["Attributes"] == {
        "order": "42"
    }
    assert connect.get_contact_attributes(InstanceId=instance.id, InitialContactId=related[1])["Attributes"] == {
        "order": "42"
    }
    assert Contact.objects.get(pk=related[0]).related_contact_id == origin


@pytest.fixture
def template(instance, task_flow):
    return TaskTemplateFactory(
        instance=instance,
        flow=task_flow,
        fields=[
            {"Id": {"Name": "Name"}, "Type": "NAME"},
            {"Id": {"Name": "Description"}, "Type": "DESCRIPTION"},
            {"Id": {"Name": "Ticket"}, "Type": "URL"},
            {"Id": {"Name": "Customer"}, "Type": "STRING"},
        ],
        constraints={
            "RequiredFields": [{"Id": {"Name": "Customer"}}],
            "ReadOnlyFields": [{"Id": {"Name": "Ticket"}}],
        },
        defaults={
            "DefaultFieldValues": [
                {"Id": {"Name": "Ticket"}, "DefaultValue": "https://tickets.example.com/new"},
                {"Id": {"Name": "Description"}, "DefaultValue": "From the template"},
            ]
        },
    )


def test_a_template_applies_defaults_and_runs_its_flow(start, template, task_flow):
    contact_id = start(
        ContactFlowId=None,
        TaskTemplateId=template.id,
        References={"Customer": {"Type": "STRING", "Value": "Mrs Jones"}},
    )
    contact = Contact.objects.get(pk=contact_id)
    assert contact.flow_id == task_flow.id
    assert contact.description == "From the template"
    assert contact.references["Ticket"]["Value"] == "https://tickets.example.com/new"


def test_a_template_enforces_its_required_fields(start, template, nothing_written):
    message = expect_error(
        lambda: start(ContactFlowId=None, TaskTemplateId=template.id), "InvalidRequestException", 400
    )
    assert "Customer" in message
    nothing_written()


def test_a_template_read_only_field_can_not_be_overridden(start, template, nothing_written):
    refs = {
        "Customer": {"Type": "STRING", "Value": "Mrs Jones"},
        "Ticket": {"Type": "URL", "Value": "https://evil.example.com"},
    }
    expect_error(
        lambda: start(ContactFlowId=None, TaskTemplateId=template.id, References=refs), "InvalidRequestException", 400
    )
    nothing_written()


@pytest.fixture
def typed_template(instance, task_flow):
    return TaskTemplateFactory(
        instance=instance,
        flow=task_flow,
        fields=[
            {"Id": {"Name": "Urgent"}, "Type": "BOOLEAN"},
            {"Id": {"Name": "Reason"}, "Type": "SINGLE_SELECT", "SingleSelectOptions": ["Damaged", "Late"]},
            {"Id": {"Name": "Site"}, "Type": "URL"},
            {"Id": {"Name": "Expires"}, "Type": "EXPIRY_DURATION"},
            {"Id": {"Name": "Mine"}, "Type": "SELF_ASSIGN"},
        ],
        constraints={"RequiredFields": [{"Id": {"Name": "Reason"}}]},
        defaults={"DefaultFieldValues": [{"Id": {"Name": "Expires"}, "DefaultValue": "60"}]},
    )


def ref(value, kind="STRING"):
    return {"Type": kind, "Value": value}


@pytest.mark.parametrize(
    "references",
    [
        {"Reason": ref("Bribe")},
        {"Reason": ref("Late"), "Urgent": ref("maybe")},
        {"Reason": ref("Late"), "Site": ref("javascript:alert(1)")},
        {"Reason": ref("Late"), "Expires": ref("0", "NUMBER")},
    ],
)
def test_start_task_contact_with_a_template_checks_each_value_by_its_field_type(
    start, typed_template, nothing_written, references
):
    expect_error(
        lambda: start(ContactFlowId=None, TaskTemplateId=typed_template.id, References=references),
        "InvalidParameterException",
        400,
    )
    nothing_written()


def test_start_task_contact_with_a_template_stores_typed_values_and_its_expiry(start, typed_template):
    before = timezone.now()
    contact_id = start(
        ContactFlowId=None,
        TaskTemplateId=typed_template.id,
        References={"Reason": ref("Late"), "Urgent": ref("true"), "Site": ref("https://example.com/1")},
    )
    contact = Contact.objects.get(pk=contact_id)
    assert contact.references["Site"] == {"Type": "URL", "Value": "https://example.com/1"}
    assert contact.references["Reason"]["Value"] == "Late" and contact.references["Urgent"]["Value"] == "true"
    expiry = Timer.objects.get(contact=contact, kind=TimerKind.EXPIRY).due_at - before
    assert dt.timedelta(minutes=59) < expiry < dt.timedelta(minutes=61)


def test_start_task_contact_can_not_self_assign_without_an_agent(start, typed_template, nothing_written):
    message = expect_error(
        lambda: start(
            ContactFlowId=None,
            TaskTemplateId=typed_template.id,
            References={"Reason": ref("Late"), "Mine": ref("true")},
        ),
        "InvalidRequestException",
        400,
    )
    assert "SELF_ASSIGN" in message
    nothing_written()
