import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's async-safety check must allow
# ORM calls from the tests that drive a browser.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def instance(db):
    from tests.factories import InstanceFactory

    return InstanceFactory()
