"""Routing-age and routing-priority changes move a task in the queue the way they say: checked by who is
offered what, not by the stored number. A positive QueueTimeAdjustmentSeconds makes the task older (ahead),
a negative one younger (behind); QueuePriority 1 is the highest (ahead), a larger number is lower (behind).
Through the service, UpdateContactRoutingData and the flow block "Change routing priority / age"."""

import json

import pytest

from ccp.api.contacts import update_contact_routing_data
from ccp.models import Contact, ContactState, FlowType
from ccp.services.agents import agent_set_status
from ccp.services.configuration.flows import flow_create
from ccp.services.contact_events import contact_locked
from ccp.services.contacts import contact_update_routing
from ccp.services.offers import contact_accept, contact_close, contact_complete

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def waiting(cast):
    """An agent with one slot, not yet Available, and three tasks queued oldest first."""
    cast.profile.task_concurrency = 1
    cast.profile.save()
    agent = cast.agent(available=False)
    tasks = {name: cast.task(name) for name in ("oldest", "middle", "youngest")}
    assert all(t.state == ContactState.QUEUED for t in tasks.values())
    return agent, tasks


def offer_order(cast, agent) -> list[str]:
    """Make the agent Available and let them work every queued task; the names in the order offered."""
    agent_set_status(user=agent, status=cast.statuses["ROUTABLE"])
    order = []
    while (task := Contact.objects.filter(agent=agent, state=ContactState.CONNECTING).first()) is not None:
        order.append(task.name)
        contact_accept(contact_id=task.id, agent=agent)
        contact_complete(contact_id=task.id, agent=agent)
        contact_close(contact_id=task.id, agent=agent)
    return order


def api_update(task, **params) -> None:
    update_contact_routing_data(instance=task.instance, params={"ContactId": task.id, **params})


def service_update(task, **changes) -> None:
    """The service as the API calls it: in its own transaction, with the contact's row locked."""
    with contact_locked(instance=task.instance, contact_id=task.id) as contact:
        contact_update_routing(contact=contact, **changes)


def test_without_changes_the_tasks_are_offered_oldest_first(cast, waiting):
    agent, _ = waiting
    assert offer_order(cast, agent) == ["oldest", "middle", "youngest"]


def test_adding_queue_time_to_the_youngest_task_puts_it_first(cast, waiting):
    agent, tasks = waiting
    service_update(tasks["youngest"], age_seconds=600)
    assert offer_order(cast, agent) == ["youngest", "oldest", "middle"]


def test_taking_queue_time_from_the_oldest_task_puts_it_last(cast, waiting):
    agent, tasks = waiting
    service_update(tasks["oldest"], age_seconds=-600)
    assert offer_order(cast, agent) == ["middle", "youngest", "oldest"]


def test_a_lower_priority_number_puts_a_task_ahead_and_a_higher_one_behind(cast, waiting):
    agent, tasks = waiting
    service_update(tasks["youngest"], priority=1)
    service_update(tasks["oldest"], priority=9)
    assert offer_order(cast, agent) == ["youngest", "middle", "oldest"]


def test_update_contact_routing_data_time_adjustment_moves_the_task_ahead_or_behind(cast, waiting):
    agent, tasks = waiting
    api_update(tasks["youngest"], QueueTimeAdjustmentSeconds=600)
    api_update(tasks["oldest"], QueueTimeAdjustmentSeconds=-600)
    assert offer_order(cast, agent) == ["youngest", "middle", "oldest"]


def test_update_contact_routing_data_priority_one_goes_first(cast, waiting):
    agent, tasks = waiting
    api_update(tasks["middle"], QueuePriority=1)
    assert offer_order(cast, agent) == ["middle", "oldest", "youngest"]


def routing_flow(cast, parameters: dict):
    """A flow that changes routing priority or age, then queues into the cast's queue."""
    actions = [
        {"Identifier": "routing", "Type": "UpdateContactRoutingBehavior", "Parameters": parameters,
         "Transitions": {"NextAction": "target"}},
        {"Identifier": "target", "Type": "UpdateContactTargetQueue", "Parameters": {"QueueId": cast.queue.arn},
         "Transitions": {"NextAction": "queue", "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
        {"Identifier": "queue", "Type": "TransferContactToQueue", "Parameters": {},
         "Transitions": {"NextAction": "end", "Errors": [
             {"NextAction": "end", "ErrorType": "QueueAtCapacity"},
             {"NextAction": "end", "ErrorType": "NoMatchingError"}]}},
        {"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}},
    ]
    content = json.dumps({"Version": "2019-10-30", "StartAction": "routing", "Actions": actions})
    return flow_create(
        instance=cast.instance, name=f"Routing {sorted(parameters.items())}", type=FlowType.CONTACT_FLOW,
        content=content,
    )


def test_the_flow_blocks_age_change_queues_a_new_task_ahead_of_older_ones(cast, waiting):
    agent, _ = waiting
    cast.task("aged by its flow", contact_flow=routing_flow(cast, {"QueueTimeAdjustmentSeconds": "600"}))
    assert offer_order(cast, agent) == ["aged by its flow", "oldest", "middle", "youngest"]


def test_the_flow_blocks_negative_age_change_queues_a_task_behind_younger_ones(cast, waiting):
    agent, _ = waiting
    cast.task("made younger", contact_flow=routing_flow(cast, {"QueueTimeAdjustmentSeconds": "-600"}))
    cast.task("newest")
    assert offer_order(cast, agent) == ["oldest", "middle", "youngest", "newest", "made younger"]


def test_the_flow_blocks_priority_one_queues_a_new_task_first(cast, waiting):
    agent, _ = waiting
    cast.task("urgent", contact_flow=routing_flow(cast, {"QueuePriority": "1"}))
    assert offer_order(cast, agent) == ["urgent", "oldest", "middle", "youngest"]
