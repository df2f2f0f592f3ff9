import pytest


@pytest.fixture
def alice_client(client, cast):
    client.force_login(cast.alice)
    return client
