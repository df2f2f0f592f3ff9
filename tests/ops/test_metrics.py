"""/metrics: what Prometheus sees, and who may see it."""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import override_settings
from django.utils import timezone

from ccp.models import ContactState, Queue, Timer, TimerKind
from ccp.realtime import consumers
from ccp.realtime.consumers import AgentConsumer
from ccp.selectors.metrics import queue_metrics
from tests.factories import ContactFactory, InstanceFactory
from tests.ops.conftest import scrape


def by_instance(instance) -> tuple:
    return (("instance_alias", instance.alias), ("instance_id", instance.id))


@pytest.mark.django_db
def test_tasks_queued_are_counted_per_instance(client):
    acme, other = InstanceFactory(alias="acme"), InstanceFactory(alias="other")
    ContactFactory.create_batch(3, instance=acme)
    ContactFactory(instance=acme, state=ContactState.SCHEDULED)
    samples = scrape(client)
    assert samples[("taskcenter_tasks_queued", by_instance(acme))] == 3
    assert samples[("taskcenter_tasks_queued", by_instance(other))] == 0


@pytest.mark.django_db
def test_agents_available_means_available_status_and_a_free_slot(client, cast):
    assert scrape(client)[("taskcenter_agents_available", by_instance(cast.instance))] == 0
    cast.available(cast.alice)
    cast.available(cast.bob)
    assert scrape(client)[("taskcenter_agents_available", by_instance(cast.instance))] == 2
    # Alice's one slot taken: she is still in Available, but no longer available.
    cast.alice.routing_profile.task_concurrency = 1
    cast.alice.routing_profile.save()
    ContactFactory(instance=cast.instance, agent=cast.alice, state=ContactState.CONNECTED)
    assert scrape(client)[("taskcenter_agents_available", by_instance(cast.instance))] == 1


@pytest.mark.django_db
def test_the_instance_count_of_available_agents_agrees_with_the_queue_metric(client, cast):
    cast.available(cast.alice)
    cast.alice.routing_profile.task_concurrency = 1
    cast.alice.routing_profile.save()
    ContactFactory(instance=cast.instance, agent=cast.alice, state=ContactState.CONNECTED)
    cast.available(cast.bob)
    cast.available(cast.carol)
    queues = Queue.objects.filter(instance=cast.instance, queue_type="STANDARD")
    per_queue = sum(queue_metrics(queue=queue).agents_available for queue in queues)
    assert scrape(client)[("taskcenter_agents_available", by_instance(cast.instance))] == per_queue == 2


@pytest.mark.django_db
def test_overdue_timers_and_the_oldest_ones_wait_show_as_worker_lag(client):
    instance = InstanceFactory()
    now = timezone.now()
    Timer.objects.create(instance=instance, kind=TimerKind.EXPIRY, due_at=now - timedelta(seconds=90))
    Timer.objects.create(instance=instance, kind=TimerKind.EXPIRY, due_at=now - timedelta(seconds=10))
    Timer.objects.create(instance=instance, kind=TimerKind.EXPIRY, due_at=now + timedelta(hours=1))
    Timer.objects.create(instance=instance, kind=TimerKind.EXPIRY, due_at=now - timedelta(hours=1), fired_at=now)
    Timer.objects.create(instance=instance, kind=TimerKind.EXPIRY, due_at=now - timedelta(hours=2), cancelled=True)
    samples = scrape(client)
    assert samples[("taskcenter_timers_overdue", ())] == 2
    assert 90 <= samples[("taskcenter_worker_lag_seconds", ())] < 120


@pytest.mark.django_db
def test_no_overdue_timer_means_no_lag(client):
    samples = scrape(client)
    assert samples[("taskcenter_timers_overdue", ())] == 0
    assert samples[("taskcenter_worker_lag_seconds", ())] == 0


def api_count(client, operation, status):
    key = ("taskcenter_api_requests_total", (("operation", operation), ("status", status)))
    return scrape(client).get(key, 0)


@pytest.mark.django_db
def test_an_api_request_refused_before_routing_is_counted_by_its_status(client):
    before = api_count(client, "Unknown", "403")
    response = client.get(
        "/contact/task", HTTP_AUTHORIZATION="AWS4-HMAC-SHA256 Credential=nobody/20260101/us-east-1/connect/aws4_request"
    )
    assert response["Content-Type"].startswith("application/json")
    assert api_count(client, "Unknown", "403") == before + 1


@pytest.mark.django_db(transaction=True)
def test_a_signed_api_request_is_counted_by_operation_and_status(client, live_server):
    from ccp.services.api_keys import api_key_create
    from tests.api.wire import client_for

    instance = InstanceFactory(api_rate_per_second=1000, api_burst=1000)
    api_key, secret = api_key_create(instance=instance, name="metrics")
    connect = client_for(live_server.url, api_key.access_key_id, secret)
    before = api_count(client, "DescribeContact", "404")
    with pytest.raises(connect.exceptions.ResourceNotFoundException):
        connect.describe_contact(InstanceId=instance.id, ContactId="no-such-contact")
    assert api_count(client, "DescribeContact", "404") == before + 1


@pytest.mark.django_db(transaction=True)
def test_open_agent_websockets_are_counted_until_they_close(client, monkeypatch, cast):
    monkeypatch.setattr(consumers, "RENDER_THREAD_SENSITIVE", True)
    key = ("taskcenter_websocket_connections", ())
    before = scrape(client)[key]

    async def session():
        comm = WebsocketCommunicator(AgentConsumer.as_asgi(), "/ws/agent/")
        comm.scope["user"] = cast.alice
        connected, _ = await comm.connect()
        assert connected
        await comm.receive_from(timeout=5)
        during = (await sync_to_async(scrape)(client))[key]
        await comm.disconnect()
        return during

    assert async_to_sync(session)() == before + 1
    assert scrape(client)[key] == before


@pytest.mark.django_db
def test_metrics_can_be_turned_off(client):
    with override_settings(METRICS_ENABLED=False):
        assert client.get("/metrics").status_code == 404


@pytest.mark.django_db
def test_metrics_with_a_token_refuse_a_scrape_without_it(client):
    with override_settings(METRICS_TOKEN="s3cret-scrape-token"):
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        samples = scrape(client, Authorization="Bearer s3cret-scrape-token")
    assert ("taskcenter_timers_overdue", ()) in samples
