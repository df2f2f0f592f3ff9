import pytest

from tests.integrations.endpoint import endpoint_start


@pytest.fixture
def endpoint(settings):
    """A local endpoint, which only the operator's OUTBOUND_ALLOW_PRIVATE lets this server call."""
    settings.OUTBOUND_ALLOW_PRIVATE = True
    url, stop = endpoint_start()
    yield url
    stop()
