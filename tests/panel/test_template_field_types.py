"""Every task template field type in the agent's Create task form: the right control, its checks, and the value on
the task (as references, the way Amazon Connect shows template fields), SELF_ASSIGN and EXPIRY_DURATION."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from ccp.models import Contact, TaskTemplate, Timer, TimerKind
from ccp.selectors.panel import agent_timezone

pytestmark = pytest.mark.django_db(transaction=True)
HX = {"HTTP_HX_REQUEST": "true"}

EVERY_TYPE = [
    {"Id": {"Name": "Title"}, "Type": "NAME"},
    {"Id": {"Name": "Details"}, "Type": "DESCRIPTION"},
    {"Id": {"Name": "Start"}, "Type": "SCHEDULED_TIME"},
    {"Id": {"Name": "Route"}, "Type": "QUICK_CONNECT"},
    {"Id": {"Name": "Order"}, "Type": "URL"},
    {"Id": {"Name": "Amount"}, "Type": "NUMBER"},
    {"Id": {"Name": "Customer"}, "Type": "TEXT", "Description": "As on the invoice"},
    {"Id": {"Name": "Notes"}, "Type": "TEXT_AREA"},
    {"Id": {"Name": "Callback"}, "Type": "DATE_TIME"},
    {"Id": {"Name": "Urgent"}, "Type": "BOOLEAN"},
    {"Id": {"Name": "Reason"}, "Type": "SINGLE_SELECT", "SingleSelectOptions": ["Damaged", "Late", "Other"]},
    {"Id": {"Name": "Email"}, "Type": "EMAIL"},
    {"Id": {"Name": "Mine"}, "Type": "SELF_ASSIGN"},
    {"Id": {"Name": "Expires"}, "Type": "EXPIRY_DURATION"},
]


@pytest.fixture
def every_type(cast):
    return TaskTemplate.objects.create(
        instance=cast.instance,
        name="Every type",
        flow=cast.flow,
        fields=EVERY_TYPE,
        constraints={"RequiredFields": [{"Id": {"Name": "Reason"}}, {"Id": {"Name": "Urgent"}}]},
    )


def form_html(client, template) -> str:
    return client.get(f"/ccp/tasks/new/?template={template.id}", **HX).content.decode()


def control(html: str, name_attr: str) -> str:
    """The HTML tag of the control named `name_attr`."""
    match = re.search(rf'<(input|select|textarea)[^>]*name="{name_attr}"[^>]*>', html)
    assert match, f"no control named {name_attr}"
    return match.group(0)


def test_each_field_type_gets_its_own_control(alice_client, every_type):
    html = form_html(alice_client, every_type)
    assert 'type="url"' in control(html, "tref_4")
    assert 'type="number"' in control(html, "tref_5")
    assert 'type="text"' in control(html, "tref_6") and "As on the invoice" in html
    assert control(html, "tref_7").startswith("<textarea")
    assert 'type="datetime-local"' in control(html, "tref_8")
    assert 'type="checkbox"' in control(html, "tref_9")
    assert control(html, "tref_10").startswith("<select")
    assert ">Damaged</option>" in html and ">Late</option>" in html
    assert 'type="email"' in control(html, "tref_11")
    assert 'type="checkbox"' in control(html, "tref_12")
    assert 'type="number"' in control(html, "tref_13")
    assert 'type="datetime-local"' in control(html, "scheduled")
    assert control(html, "description").startswith("<textarea")


def test_checkbox_and_single_select_values_reach_the_task(alice_client, cast, every_type):
    """They were dropped by the form before: a required single-select made the template unusable."""
    when = (timezone.now() + dt.timedelta(days=1)).replace(second=0, microsecond=0)
    wall = when.astimezone(agent_timezone(cast.alice)).strftime("%Y-%m-%dT%H:%M")
    alice_client.post(
        "/ccp/tasks/",
        {
            "template": every_type.id, "name": "Refund 9", "description": "Box arrived crushed",
            "tref_4": "https://shop.example.com/orders/9", "tref_5": "12.50", "tref_6": "ACME",
            "tref_7": "Two lines\nof notes", "tref_8": wall, "tref_9": "on", "tref_10": "Damaged",
            "tref_11": "buyer@example.com",
        },
        **HX,
    )
    task = Contact.objects.get(name="Refund 9")
    refs = {name: (ref["Type"], ref["Value"]) for name, ref in task.references.items()}
    assert refs["Urgent"] == ("STRING", "true")
    assert refs["Reason"] == ("STRING", "Damaged")
    assert refs["Order"] == ("URL", "https://shop.example.com/orders/9")
    assert refs["Amount"] == ("NUMBER", "12.50")
    assert refs["Customer"] == ("STRING", "ACME") and refs["Notes"] == ("STRING", "Two lines\nof notes")
    assert refs["Email"] == ("EMAIL", "buyer@example.com")
    assert refs["Callback"] == ("DATE", when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert task.description == "Box arrived crushed" and task.queue_id == cast.queue.id


def test_a_required_single_select_left_empty_is_refused_next_to_the_field(alice_client, every_type):
    html = alice_client.post("/ccp/tasks/", {"template": every_type.id, "name": "R"}, **HX).content.decode()
    assert "This field is required." in html
    assert not Contact.objects.filter(name="R").exists()


def test_an_option_that_is_not_in_the_list_is_refused(alice_client, every_type):
    html = alice_client.post(
        "/ccp/tasks/", {"template": every_type.id, "name": "R", "tref_10": "Bribe"}, **HX
    ).content.decode()
    assert "Select a valid choice" in html
    assert not Contact.objects.filter(name="R").exists()


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("tref_4", "javascript:alert(1)", "must be an http or https URL"),
        ("tref_5", "twelve", "must be a number"),
        ("tref_11", "not-an-address", "must be an email address"),
        ("tref_13", "0", "greater than or equal to 1"),
        ("tref_13", "20000", "less than or equal to 10080"),
    ],
)
def test_a_value_that_does_not_suit_its_type_is_refused(alice_client, every_type, key, value, message):
    post = {"template": every_type.id, "name": "Bad", "tref_10": "Late", key: value}
    html = alice_client.post("/ccp/tasks/", post, **HX).content.decode()
    assert message in html
    assert not Contact.objects.filter(name="Bad").exists()


def test_self_assign_gives_the_task_to_the_agent_who_creates_it(alice_client, cast, every_type):
    alice_client.post(
        "/ccp/tasks/", {"template": every_type.id, "name": "Mine", "tref_10": "Late", "tref_12": "on"}, **HX
    )
    task = Contact.objects.get(name="Mine")
    assert task.queue.agent_id == cast.alice.id
    assert "Mine" not in task.references  # the control field steers the task; it is not a reference


def test_expiry_duration_sets_when_the_task_expires(alice_client, every_type):
    before = timezone.now()
    alice_client.post(
        "/ccp/tasks/", {"template": every_type.id, "name": "Soon", "tref_10": "Late", "tref_13": "90"}, **HX
    )
    task = Contact.objects.get(name="Soon")
    expiry = Timer.objects.get(contact=task, kind=TimerKind.EXPIRY)
    assert dt.timedelta(minutes=89) < expiry.due_at - before < dt.timedelta(minutes=91)


def test_read_only_checkbox_and_select_keep_their_defaults(alice_client, cast):
    template = TaskTemplate.objects.create(
        instance=cast.instance, name="Fixed", flow=cast.flow,
        fields=[
            {"Id": {"Name": "Name"}, "Type": "NAME"},
            {"Id": {"Name": "Urgent"}, "Type": "BOOLEAN"},
            {"Id": {"Name": "Reason"}, "Type": "SINGLE_SELECT", "SingleSelectOptions": ["Damaged", "Late"]},
        ],
        constraints={"ReadOnlyFields": [{"Id": {"Name": "Urgent"}}, {"Id": {"Name": "Reason"}}]},
        defaults={"DefaultFieldValues": [
            {"Id": {"Name": "Urgent"}, "DefaultValue": "true"}, {"Id": {"Name": "Reason"}, "DefaultValue": "Late"},
        ]},
    )
    html = form_html(alice_client, template)
    assert "disabled" in control(html, "tref_1") and "checked" in control(html, "tref_1")
    alice_client.post("/ccp/tasks/", {"template": template.id, "name": "Fixed 1", "tref_2": "Damaged"}, **HX)
    task = Contact.objects.get(name="Fixed 1")
    assert task.references["Urgent"]["Value"] == "true" and task.references["Reason"]["Value"] == "Late"
