import pytest

from tests.panel.center import center_build


@pytest.fixture
def center(db):
    return center_build()


@pytest.fixture
def alice_client(client, center):
    client.force_login(center.alice)
    return client
