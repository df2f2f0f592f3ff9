"""StartTaskContact through boto3: each documented limit answers with its AWS error, its HTTP status,
and writes nothing (no contact, no event, no idempotency token)."""

import time

import pytest

from ccp.models import Contact
from tests.api.wire import expect_error
from tests.factories import ContactFactory, QuickConnectFactory, TaskTemplateFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def start(raw_connect, instance, task_flow):
    """StartTaskContact on the task flow with these fields changed (None removes a field)."""

    def call(**changes):
        params = {"InstanceId": instance.id, "ContactFlowId": task_flow.id, "Name": "Call back Mrs Jones", **changes}
        return raw_connect.start_task_contact(**{k: v for k, v in params.items() if v is not None})

    return call


def rejected(start, code, status, nothing_written, **changes) -> str:
    message = expect_error(lambda: start(**changes), code, status)
    nothing_written()
    return message


def test_a_task_is_created_and_queued(start, queue):
    contact = Contact.objects.get(pk=start()["ContactId"])
    assert (contact.state, contact.queue_id, contact.initiation_method) == ("QUEUED", queue.id, "API")


def test_name_is_required(start, nothing_written):
    rejected(start, "InvalidParameterException", 400, nothing_written, Name=None)
    rejected(start, "InvalidParameterException", 400, nothing_written, Name="   ")


def test_a_name_of_513_characters_is_refused_and_512_accepted(start, nothing_written):
    rejected(start, "InvalidParameterException", 400, nothing_written, Name="n" * 513)
    assert start(Name="n" * 512)["ContactId"]


def test_a_description_over_4096_characters_is_refused(start, nothing_written):
    rejected(start, "InvalidParameterException", 400, nothing_written, Description="d" * 4097)
    assert start(Description="d" * 4096)["ContactId"]


def test_instance_id_must_be_1_to_100_characters(start, nothing_written):
    rejected(start, "InvalidParameterException", 400, nothing_written, InstanceId="i" * 101)


def test_an_unknown_instance_is_not_found(start, nothing_written):
    rejected(start, "ResourceNotFoundException", 404, nothing_written, InstanceId="no-such-instance")


def test_a_client_token_over_500_characters_is_refused(start, nothing_written):
    rejected(start, "InvalidParameterException", 400, nothing_written, ClientToken="t" * 501)


def test_attributes_over_32768_utf8_bytes_are_refused(start, nothing_written_after):
    # 2-byte characters: 16,383 of them is 32,766 bytes, plus the key "k" is 32,767; one more is over.
    assert start(Attributes={"k": "é" * 16383})["ContactId"]
    check = nothing_written_after()
    expect_error(lambda: start(Attributes={"k": "é" * 16384}), "InvalidParameterException", 400)
    check()


def test_attribute_keys_allow_only_letters_digits_dash_and_underscore(start, nothing_written):
    rejected(start, "InvalidParameterException", 400, nothing_written, Attributes={"bad key": "x"})
    rejected(start, "InvalidParameterException", 400, nothing_written, Attributes={"dot.key": "x"})
    assert start(Attributes={"Order-id_7": "x"})["ContactId"]


@pytest.mark.parametrize("ref_type", ["URL", "NUMBER", "STRING", "DATE", "EMAIL"])
def test_each_reference_type_is_accepted_at_creation(start, ref_type):
    value = {
        "URL": "https://example.com/a",
        "NUMBER": "42",
        "STRING": "x",
        "DATE": "2026-01-01",
        "EMAIL": "a@example.com",
    }[ref_type]
    contact = Contact.objects.get(pk=start(References={"r": {"Type": ref_type, "Value": value}})["ContactId"])
    assert contact.references == {"r": {"Type": ref_type, "Value": value}}


def test_attachment_references_are_refused_at_creation(start, nothing_written):
    refs = {"file": {"Type": "ATTACHMENT", "Value": "https://example.com/f.pdf"}}
    rejected(start, "InvalidParameterException", 400, nothing_written, References=refs)


@pytest.mark.parametrize(
    "ref_type,value",
    [("URL", "javascript:alert(1)"), ("NUMBER", "forty"), ("DATE", "yesterday"), ("EMAIL", "not-an-address")],
)
def test_reference_values_are_checked_for_their_type(start, nothing_written, ref_type, value):
    rejected(
        start, "InvalidParameterException", 400, nothing_written, References={"r": {"Type": ref_type, "Value": value}}
    )


def test_no_flow_source_is_an_invalid_request(start, nothing_written):
    rejected(start, "InvalidRequestException", 400, nothing_written, ContactFlowId=None)


def test_two_flow_sources_are_an_invalid_request(start, instance, task_flow, nothing_written):
    quick_connect = QuickConnectFactory(instance=instance, flow=task_flow)
    rejected(start, "InvalidRequestException", 400, nothing_written, QuickConnectId=quick_connect.id)


def test_a_template_alone_needs_a_flow(start, instance, task_flow, nothing_written):
    without_flow = TaskTemplateFactory(instance=instance)
    rejected(start, "InvalidRequestException", 400, nothing_written, ContactFlowId=None, TaskTemplateId=without_flow.id)
    with_flow = TaskTemplateFactory(instance=instance, flow=task_flow)
    contact = Contact.objects.get(pk=start(ContactFlowId=None, TaskTemplateId=with_flow.id)["ContactId"])
    assert contact.flow_id == task_flow.id


def test_a_quick_connect_alone_runs_its_flow(start, instance, task_flow, queue):
    quick_connect = QuickConnectFactory(instance=instance, flow=task_flow, queue=queue)
    contact = Contact.objects.get(pk=start(ContactFlowId=None, QuickConnectId=quick_connect.id)["ContactId"])
    assert contact.flow_id == task_flow.id


def test_previous_and_related_contact_together_are_an_invalid_request(start, instance, nothing_written_after):
    a, b = ContactFactory(instance=instance), ContactFactory(instance=instance)
    check = nothing_written_after()
    rejected(start, "InvalidRequestException", 400, check, PreviousContactId=a.id, RelatedContactId=b.id)


@pytest.mark.parametrize(
    "field", ["ContactFlowId", "QuickConnectId", "TaskTemplateId", "PreviousContactId", "RelatedContactId"]
)
def test_unknown_resources_are_not_found(start, nothing_written, field):
    changes = {field: "does-not-exist"}
    if field in ("QuickConnectId", "TaskTemplateId"):
        changes["ContactFlowId"] = None
    rejected(start, "ResourceNotFoundException", 404, nothing_written, **changes)


def test_another_instances_flow_is_not_found(start, outsider, nothing_written):
    rejected(start, "ResourceNotFoundException", 404, nothing_written, ContactFlowId=outsider["flow"].id)


def test_scheduled_time_can_not_be_in_the_past(start, nothing_written):
    rejected(start, "InvalidParameterException", 400, nothing_written, ScheduledTime=int(time.time()) - 3600)


def test_scheduled_time_is_at_most_six_days_ahead(start, nothing_written):
    rejected(
        start, "InvalidParameterException", 400, nothing_written, ScheduledTime=int(time.time()) + 6 * 86400 + 3600
    )
    contact = Contact.objects.get(pk=start(ScheduledTime=int(time.time()) + 5 * 86400)["ContactId"])
    assert contact.state == "SCHEDULED"


def test_open_tasks_over_the_active_task_quota_are_refused(start, instance, nothing_written_after):
    instance.active_task_quota = 2
    instance.save()
    start()
    start()
    check = nothing_written_after()
    expect_error(lambda: start(ClientToken="third"), "ServiceQuotaExceededException", 402)
    check()
    assert Contact.objects.count() == 2


def test_an_unexpected_failure_is_a_500_that_names_no_internals(start, monkeypatch, nothing_written):
    def explode(**kwargs):
        raise RuntimeError("db password is hunter2")

    monkeypatch.setattr("ccp.api.contacts.task_start", explode)
    message = rejected(start, "InternalServiceException", 500, nothing_written)
    assert "hunter2" not in message and "RuntimeError" not in message


def test_a_failure_after_the_contact_was_inserted_leaves_nothing_behind(start, monkeypatch, nothing_written):
    def explode(**kwargs):
        raise RuntimeError("flow engine crashed")

    monkeypatch.setattr("ccp.services.tasks.contact_run_flow", explode)
    rejected(start, "InternalServiceException", 500, nothing_written, ClientToken="retry-me")


def test_requests_over_the_instance_rate_are_throttled(start, instance, nothing_written_after):
    instance.api_rate_per_second = 1
    instance.api_burst = 2
    instance.save()
    start()
    start()
    check = nothing_written_after()
    expect_error(lambda: start(ClientToken="over-the-rate"), "ThrottlingException", 429)
    check()


def test_a_template_without_a_flow_takes_the_flow_given_beside_it(start, instance, task_flow, nothing_written):
    without_flow = TaskTemplateFactory(instance=instance)
    contact = Contact.objects.get(pk=start(TaskTemplateId=without_flow.id)["ContactId"])
    assert contact.flow_id == task_flow.id and contact.task_template_id == without_flow.id


def test_a_template_with_a_flow_and_another_flow_source_is_an_invalid_request(
    start, instance, task_flow, nothing_written_after
):
    with_flow = TaskTemplateFactory(instance=instance, flow=task_flow)
    check = nothing_written_after()
    rejected(start, "InvalidRequestException", 400, check, TaskTemplateId=with_flow.id)
