"""The API's token bucket, on an injected clock: a burst drains it, a request is then refused, and a token
comes back exactly one refill interval (1 / rate seconds) later. Runs on the in-memory buckets, and on
Redis's when REDIS_URL is set. (Here rather than in tests/api/, whose fixtures start a live server.)"""

import pytest

from ccp.api.throttle import throttle_reset, throttle_take

pytestmark = pytest.mark.django_db

T0 = 1_000_000.0  # seconds; binary fractions below keep the bucket's arithmetic exact


@pytest.fixture
def bucket(instance):
    """Rate 2 per second (a token every 0.5 s), burst 3."""
    throttle_reset()
    instance.api_rate_per_second = 2
    instance.api_burst = 3
    instance.save()

    def take(at: float, operation: str = "StartTaskContact") -> bool:
        return throttle_take(instance=instance, operation=operation, now=at)

    yield take
    throttle_reset()


def test_a_full_bucket_allows_the_burst_and_refuses_the_next_request(bucket):
    assert [bucket(T0) for _ in range(3)] == [True, True, True]
    assert bucket(T0) is False


def test_a_drained_bucket_accepts_again_exactly_one_refill_interval_later(bucket):
    for _ in range(3):
        bucket(T0)
    assert bucket(T0 + 0.25) is False, "half a token is not a token"
    assert bucket(T0 + 0.5) is True, "a whole token after 1 / rate seconds"
    assert bucket(T0 + 0.5) is False


def test_a_drained_bucket_is_refused_just_before_the_refill_interval(bucket):
    for _ in range(3):
        bucket(T0)
    assert bucket(T0 + 0.4990234375) is False  # 0.5 - 2**-10
    assert bucket(T0 + 0.5) is True


def test_a_long_pause_refills_no_more_than_the_burst(bucket):
    for _ in range(3):
        bucket(T0)
    later = T0 + 3600
    assert [bucket(later) for _ in range(4)] == [True, True, True, False]


def test_each_operation_has_its_own_bucket(bucket):
    for _ in range(3):
        bucket(T0)
    assert bucket(T0) is False
    assert bucket(T0, operation="StopContact") is True
