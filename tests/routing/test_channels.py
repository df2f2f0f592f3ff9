"""Chats and calls are routed like tasks, each channel with its own slots from the routing profile (voice 1,
chat up to 10, tasks up to 10): a call does not stop tasks or chats, and a full channel waits only for itself.
Runs on SQLite (the Python path) and on PostgreSQL (ccp_route_offer)."""

import pytest

from ccp.models import ContactState, RoutingProfileQueue
from ccp.services.conversations import ChatRequest, OutboundVoiceRequest, chat_start, outbound_voice_start
from ccp.services.offers import contact_accept, contact_close, contact_complete

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def profile(cast):
    """The Support profile serves Support for every channel: one call, two chats, ten tasks at a time."""
    for channel in ("VOICE", "CHAT"):
        RoutingProfileQueue.objects.create(routing_profile=cast.profile, queue=cast.queue, channel=channel, priority=1)
    cast.profile.voice_concurrency, cast.profile.chat_concurrency = 1, 2
    cast.profile.save()
    return cast.profile


def chat(cast, name="Ana"):
    contact = chat_start(instance=cast.instance, request=ChatRequest(contact_flow=cast.flow, display_name=name))
    contact.refresh_from_db()
    return contact


def call(cast, number="+12065550100"):
    contact = outbound_voice_start(
        instance=cast.instance, request=OutboundVoiceRequest(contact_flow=cast.flow, destination=number)
    )
    contact.refresh_from_db()
    return contact


def test_an_agent_with_one_voice_slot_gets_one_call_and_still_gets_tasks(cast, profile):
    agent = cast.agent()
    first, second = call(cast), call(cast, "+12065550101")
    task = cast.task()

    assert (first.state, first.agent_id) == (ContactState.CONNECTING, agent.id)
    assert (second.state, second.agent_id) == (ContactState.QUEUED, None)
    assert (task.state, task.agent_id) == (ContactState.CONNECTING, agent.id)


def test_the_waiting_call_is_offered_once_the_first_one_is_closed(cast, profile):
    agent = cast.agent()
    first, second = call(cast), call(cast, "+12065550101")
    contact_accept(contact_id=first.id, agent=agent)
    contact_complete(contact_id=first.id, agent=agent)
    second.refresh_from_db()
    assert second.state == ContactState.QUEUED  # after-contact work still holds the voice slot

    contact_close(contact_id=first.id, agent=agent)
    second.refresh_from_db()
    assert (second.state, second.agent_id) == (ContactState.CONNECTING, agent.id)


def test_chats_fill_the_chat_slots_and_no_more(cast, profile):
    agent = cast.agent()
    chats = [chat(cast, f"Customer {i}") for i in range(3)]

    assert [c.agent_id for c in chats] == [agent.id, agent.id, None]
    assert chats[2].state == ContactState.QUEUED


def test_full_task_slots_do_not_hold_back_a_chat(cast, profile):
    cast.profile.task_concurrency = 1
    cast.profile.save()
    agent = cast.agent()
    cast.task("first")
    waiting = cast.task("second")
    conversation = chat(cast)

    assert waiting.state == ContactState.QUEUED
    assert conversation.agent_id == agent.id


def test_a_profile_without_chat_queues_is_never_offered_chats(cast):
    agent = cast.agent()
    conversation = chat(cast)

    assert (conversation.state, conversation.agent_id) == (ContactState.QUEUED, None)
    assert cast.task().agent_id == agent.id


def test_auto_accept_is_for_tasks_a_call_still_rings(cast, profile):
    cast.profile.task_auto_accept = True
    cast.profile.save()
    cast.agent()

    assert cast.task().state == ContactState.CONNECTED
    assert call(cast).state == ContactState.CONNECTING
