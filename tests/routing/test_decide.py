"""The routing decision as pure functions: no database, no clock."""

import datetime as dt

from ccp.routing.decide import FreeAgent, QueuedContact, QueueSlot, delay_expiries, order_agents, pick_contact

T0 = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def contact(cid, queue="q1", priority=5, age_s=0, enq_age_s=None):
    enq = T0 - dt.timedelta(seconds=enq_age_s if enq_age_s is not None else age_s)
    return QueuedContact(cid, queue, priority, T0 - dt.timedelta(seconds=age_s), enq)


def test_the_oldest_contact_is_offered_first_within_one_queue():
    slots = {"q1": QueueSlot("q1", 1, 0)}
    assert pick_contact([contact("new", age_s=5), contact("old", age_s=50)], slots, T0).contact_id == "old"


def test_a_higher_routing_priority_beats_age():
    slots = {"q1": QueueSlot("q1", 1, 0)}
    picked = pick_contact([contact("old", age_s=500, priority=5), contact("urgent", age_s=1, priority=1)], slots, T0)
    assert picked.contact_id == "urgent"


def test_queue_priority_in_the_routing_profile_comes_before_contact_priority_and_age():
    slots = {"gold": QueueSlot("gold", 1, 0), "bronze": QueueSlot("bronze", 2, 0)}
    picked = pick_contact(
        [contact("bronze-urgent-old", "bronze", priority=1, age_s=900), contact("gold-new", "gold", age_s=1)],
        slots,
        T0,
    )
    assert picked.contact_id == "gold-new"


def test_a_queue_delay_hides_young_contacts_from_this_profile():
    slots = {"q1": QueueSlot("q1", 1, 30)}
    assert pick_contact([contact("young", age_s=10)], slots, T0) is None
    assert pick_contact([contact("waited", age_s=31)], slots, T0).contact_id == "waited"


def test_a_delayed_queue_with_higher_priority_yields_to_a_ready_lower_priority_queue():
    slots = {"delayed": QueueSlot("delayed", 1, 60), "ready": QueueSlot("ready", 2, 0)}
    picked = pick_contact([contact("d", "delayed", age_s=5), contact("r", "ready", age_s=1)], slots, T0)
    assert picked.contact_id == "r"


def test_routing_age_moves_a_contact_ahead_but_the_delay_counts_from_enqueue():
    slots = {"q1": QueueSlot("q1", 1, 30)}
    aged = contact("aged", age_s=3600, enq_age_s=5)  # age adjusted by an hour, enqueued 5 s ago
    assert pick_contact([aged], slots, T0) is None
    slots = {"q1": QueueSlot("q1", 1, 0)}
    assert pick_contact([contact("plain", age_s=100), aged], slots, T0).contact_id == "aged"


def test_contacts_in_queues_outside_the_profile_are_never_picked():
    assert pick_contact([contact("x", "other")], {"q1": QueueSlot("q1", 1, 0)}, T0) is None


def test_the_agent_idle_longest_is_first_and_full_agents_are_left_out():
    agents = [
        FreeAgent("recent", T0 - dt.timedelta(seconds=5), 0, 10),
        FreeAgent("longest", T0 - dt.timedelta(seconds=500), 2, 10),
        FreeAgent("full", T0 - dt.timedelta(seconds=9000), 10, 10),
        FreeAgent("never-idle-yet", None, 0, 1),
    ]
    assert [a.user_id for a in order_agents(agents)] == ["never-idle-yet", "longest", "recent"]


def test_concurrency_of_one_means_one_task_at_a_time():
    assert order_agents([FreeAgent("a", T0, 1, 1)]) == []
    assert [a.user_id for a in order_agents([FreeAgent("a", T0, 0, 1)])] == ["a"]


def test_delay_expiries_are_one_per_distinct_positive_delay():
    assert delay_expiries(T0, [0, 30, 30, 90]) == [T0 + dt.timedelta(seconds=30), T0 + dt.timedelta(seconds=90)]
