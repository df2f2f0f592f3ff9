"""The people of the console tests: an admin, a supervisor and an agent of one instance, and an
outsider instance whose rows must never show up."""

import pytest

from ccp.models import SecurityProfile
from tests.factories import AgentFactory, InstanceFactory, UserFactory


@pytest.fixture
def admin(instance):
    return UserFactory(instance=instance, security_profile=SecurityProfile.ADMIN, username="ada")


@pytest.fixture
def supervisor(instance):
    return UserFactory(instance=instance, security_profile=SecurityProfile.SUPERVISOR, username="sam")


@pytest.fixture
def agent(instance):
    return AgentFactory(instance=instance, username="alex")


@pytest.fixture
def other_instance(db):
    return InstanceFactory()


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def supervisor_client(client, supervisor):
    client.force_login(supervisor)
    return client


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client
