"""Functions the browser tests run inside the live server process (see liveserver.py)."""

import datetime as dt

from django.utils import timezone

from ccp.models import Contact, ContactFlow, Instance, User
from ccp.services.tasks import task_start
from tests.cast import PASSWORD, Cast


def cast_setup(*, alias: str, offer_timeout: int = 30) -> dict:
    """The test suite's cast (tests/cast.py) in an instance of its own: its ids, usernames and password."""
    cast = Cast.build(alias=alias, offer_timeout=offer_timeout)
    users = {name: getattr(cast, name).username for name in ("alice", "bob", "carol", "admin", "supervisor")}
    return {"ids": cast.ids(), "users": users, "password": PASSWORD}


def task_create(*, alias: str, name: str, description: str = "", references=None, attributes=None) -> str:
    """A task through the published flow into the Support queue (as StartTaskContact would)."""
    instance = Instance.objects.get(alias=alias)
    contact = task_start(
        instance=instance,
        name=name,
        description=description,
        references=references,
        attributes=attributes,
        contact_flow=ContactFlow.objects.get(instance=instance, name="Tasks to Support"),
    )
    return contact.id


def contact_get(*, contact_id: str) -> dict:
    c = Contact.objects.select_related("agent", "related_contact", "previous_contact").get(pk=contact_id)
    return {
        "id": c.id,
        "name": c.name,
        "state": c.state,
        "channel": c.channel,
        "agent": c.agent.username if c.agent else None,
        "related_contact_id": c.related_contact_id,
        "previous_contact_id": c.previous_contact_id,
        "disconnect_reason": c.disconnect_reason,
        "phone_number": c.phone_number,
    }


def contact_stop(*, contact_id: str) -> None:
    """StopContact, as an integrator's API call makes it."""
    from ccp.api.contacts import stop_contact

    contact = Contact.objects.select_related("instance").get(pk=contact_id)
    stop_contact(instance=contact.instance, params={"ContactId": contact_id})


def contacts_find(*, alias: str, name: str = "", related_to: str = "", previous: str = "") -> list[dict]:
    qs = Contact.objects.filter(instance__alias=alias).order_by("initiation_timestamp")
    if name:
        qs = qs.filter(name=name)
    if related_to:
        qs = qs.filter(related_contact_id=related_to)
    if previous:
        qs = qs.filter(previous_contact_id=previous)
    return [contact_get(contact_id=c.id) for c in qs]


def agent_status(*, username: str) -> str:
    user = User.objects.select_related("status").get(username=username)
    return user.status.name if user.status else ""


def soon(*, seconds: int) -> str:
    return (timezone.now() + dt.timedelta(seconds=seconds)).isoformat()


def contact_poison_references(*, contact_id: str) -> None:
    """Write a javascript: URL reference straight into the row (as old or imported data might hold),
    bypassing validation, and tell the agent's tabs to redraw."""
    from ccp.realtime.publish import agent_refresh

    contact = Contact.objects.get(pk=contact_id)
    contact.references = {
        **contact.references,
        "Evil link": {"Type": "URL", "Value": "javascript:window.__xss = 1"},
        "Evil mail": {"Type": "EMAIL", "Value": "javascript:window.__xss=2//@x.com"},
    }
    contact.save(update_fields=["references"])
    agent_refresh(user_id=contact.agent_id, reason="updated", contact_id=contact.id)


from tests.browser.search_scenarios import search_setup  # noqa: E402, F401  (the contact search test's setup)


def call_says(*, alias: str, text: str, role: str = "CUSTOMER") -> str:
    """A voice call with Bob, and one utterance of it delivered as the conversation side delivers segments (the
    rules' real-time trigger after the segment's commit). Returns the call's id."""
    from ccp.models import TranscriptSegment
    from ccp.services import rule_triggers

    instance = Instance.objects.get(alias=alias)
    now = timezone.now()
    call = Contact.objects.create(
        instance=instance, channel="VOICE", initiation_method="INBOUND", state="CONNECTED",
        agent=User.objects.get(instance=instance, username=f"bob-{alias}"), initiation_timestamp=now,
        last_update_timestamp=now, attributes={"Tier": "VIP"},
    )
    segment = TranscriptSegment.objects.create(
        instance=instance, contact=call, segment_id="s1", participant_id="customer", participant_role=role,
        content=text, begin_offset_millis=0, end_offset_millis=2000, received_at=now,
    )
    rule_triggers.on_segments_added(call, [segment])
    return call.id
def chats_enable(*, alias: str) -> dict:
    """The cast's Support profile takes up to three chats from Support, and an API key to start them with: the
    key's id and secret, the instance and the flow that queues into Support."""
    from ccp.models import RoutingProfile, RoutingProfileQueue
    from ccp.services.api_keys import api_key_create

    instance = Instance.objects.get(alias=alias)
    profile = RoutingProfile.objects.get(instance=instance, name="Support agents")
    RoutingProfileQueue.objects.create(routing_profile=profile, queue=profile.default_outbound_queue, channel="CHAT")
    RoutingProfile.objects.filter(pk=profile.pk).update(chat_concurrency=3)
    key, secret = api_key_create(instance=instance, name="browser tests")
    return {
        "access_key_id": key.access_key_id,
        "secret": secret,
        "instance_id": instance.id,
        "flow_id": ContactFlow.objects.get(instance=instance, name="Tasks to Support").id,
    }


def lambda_flow_task(*, alias: str, arn: str, name: str) -> str:
    """Publish "Look the customer up" (Invoke AWS Lambda function `arn`; on success its answer's tier and
    Lookup=answered become attributes, on error Lookup=failed; either way into Support) and start a task
    through it. Returns the task's id."""
    import json

    from ccp.models import Queue
    from tests.cast import flow_publish

    instance = Instance.objects.get(alias=alias)
    queue_id = Queue.objects.get(instance=instance, name="Support").id

    def action(identifier, type_, parameters, next_action=None, error=None):
        transitions = {"NextAction": next_action} if next_action else {}
        if error:
            transitions["Errors"] = [{"NextAction": error, "ErrorType": "NoMatchingError"}]
        return {"Identifier": identifier, "Type": type_, "Parameters": parameters, "Transitions": transitions}

    content = {
        "Version": "2019-10-30",
        "StartAction": "lookup",
        "Actions": [
            action(
                "lookup",
                "InvokeLambdaFunction",
                {"LambdaFunctionARN": arn, "InvocationTimeLimitSeconds": "5"},
                next_action="answered",
                error="failed",
            ),
            action("answered", "UpdateContactAttributes", {"Attributes": {"Tier": "$.External.tier",
                                                                          "Lookup": "answered"}}, "set queue"),
            action("failed", "UpdateContactAttributes", {"Attributes": {"Lookup": "failed"}}, "set queue"),
            action("set queue", "UpdateContactTargetQueue", {"QueueId": queue_id}, "queue", error="end"),
            action("queue", "TransferContactToQueue", {}, "end", error="end"),
            action("end", "DisconnectParticipant", {}),
        ],
    }
    flow = flow_publish(instance, "Look the customer up", json.dumps(content))
    return task_start(instance=instance, name=name, contact_flow=flow).id
