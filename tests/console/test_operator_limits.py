"""The operator's ceilings (MAX_ACTIVE_TASK_QUOTA, MAX_API_RATE_PER_SECOND, MAX_API_BURST): an instance admin
cannot raise the quota or the API rate past them, and the quota and throttle hold to them whatever the row
says."""

import pytest
from django.urls import reverse

from ccp.api.throttle import throttle_reset, throttle_take
from ccp.errors import QuotaExceeded
from ccp.models import Contact
from ccp.services.tasks import task_start
from tests.factories import QueueFactory

pytestmark = pytest.mark.django_db

SETTINGS_URL = "admin_console:instance_settings"


@pytest.fixture
def ceilings(settings):
    settings.MAX_ACTIVE_TASK_QUOTA = 500
    settings.MAX_API_RATE_PER_SECOND = 20
    settings.MAX_API_BURST = 40
    return settings


def post(admin_client, **values):
    form = {"timezone": "UTC", "active_task_quota": 100, "api_rate_per_second": 5, "api_burst": 10, **values}
    return admin_client.post(reverse(SETTINGS_URL), form)


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("active_task_quota", {"active_task_quota": 501}),
        ("api_rate_per_second", {"api_rate_per_second": 21, "api_burst": 30}),
        ("api_burst", {"api_burst": 41}),
    ],
)
def test_an_admin_cannot_raise_a_limit_past_the_operators_ceiling(admin_client, instance, ceilings, field, values):
    before = (instance.active_task_quota, instance.api_rate_per_second, instance.api_burst)
    response = post(admin_client, **values)
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page
    assert "the limit this server&#x27;s operator sets" in page or "the limit this server's operator sets" in page
    instance.refresh_from_db()
    assert (instance.active_task_quota, instance.api_rate_per_second, instance.api_burst) == before


def test_an_admin_may_set_a_limit_equal_to_the_operators_ceiling(admin_client, instance, ceilings):
    post(admin_client, active_task_quota=500, api_rate_per_second=20, api_burst=40)
    instance.refresh_from_db()
    assert (instance.active_task_quota, instance.api_rate_per_second, instance.api_burst) == (500, 20, 40)


def test_the_throttle_holds_to_the_operators_burst_whatever_the_instance_row_says(instance, settings):
    settings.MAX_API_RATE_PER_SECOND = 1
    settings.MAX_API_BURST = 2
    instance.api_rate_per_second = instance.api_burst = 1_000  # written around the console
    instance.save()
    throttle_reset()
    try:
        taken = [throttle_take(instance=instance, operation="StartTaskContact", now=5_000.0) for _ in range(3)]
    finally:
        throttle_reset()
    assert taken == [True, True, False]


def test_the_task_quota_holds_to_the_operators_ceiling_whatever_the_instance_row_says(
    instance, settings, queue_flow
):
    settings.MAX_ACTIVE_TASK_QUOTA = 2
    instance.active_task_quota = 1_000
    instance.save()
    flow = queue_flow(QueueFactory(instance=instance))
    for name in ("a", "b"):
        task_start(instance=instance, name=name, contact_flow=flow)
    with pytest.raises(QuotaExceeded, match="quota is 2"):
        task_start(instance=instance, name="c", contact_flow=flow)
    assert Contact.objects.filter(instance=instance).count() == 2


def test_the_settings_page_says_how_high_each_limit_may_go(admin_client, ceilings):
    page = admin_client.get(reverse(SETTINGS_URL)).content.decode()
    assert "At most 500." in page and "At most 20." in page and "At most 40." in page
