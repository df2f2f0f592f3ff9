"""Failed sign-ins are throttled per username and per address, with a clear message on the login page."""

import time

import pytest
from django.core.cache import caches
from django.urls import reverse

from tests.factories import InstanceFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Right-password-42"
LOCKED = "Too many failed attempts; try again in 15 minutes."


@pytest.fixture(autouse=True)
def _fresh_counts(settings):
    # A fast hasher: these tests sign in a hundred times, and what they test is not the hash.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Counts of its own, in memory: clearing the service-mode Redis cache would flush the channel layer's database.
    settings.CACHES = {**settings.CACHES, "login": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    caches["login"].clear()
    yield
    caches["login"].clear()


@pytest.fixture
def people(db):
    instance = InstanceFactory()
    users = {}
    for name in ("ada", "bob", "cy"):
        users[name] = UserFactory(instance=instance, username=name)
        users[name].set_password(PASSWORD)
        users[name].save()
    return users


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_sixth_attempt_after_five_failures_is_refused_even_with_the_right_password(client, people):
    for _ in range(4):
        page = sign_in(client, "ada", "wrong")
        assert "Please enter a correct username and password" in page.content.decode()
    page = sign_in(client, "ada", "wrong")
    assert LOCKED in page.content.decode()
    page = sign_in(client, "ada", PASSWORD)
    assert page.status_code == 200 and LOCKED in page.content.decode()
    assert not signed_in(client)


def test_a_locked_username_does_not_lock_out_someone_else_at_the_same_address(client, people):
    for _ in range(5):
        sign_in(client, "ada", "wrong")
    sign_in(client, "bob", PASSWORD)
    assert signed_in(client)


def test_the_lockout_ends_after_fifteen_minutes(client, people, monkeypatch):
    for _ in range(5):
        sign_in(client, "ada", "wrong")
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 14 * 60)
    assert "try again in 1 minute." in sign_in(client, "ada", PASSWORD).content.decode()
    monkeypatch.setattr(time, "time", lambda: real() + 15 * 60 + 1)
    sign_in(client, "ada", PASSWORD)
    assert signed_in(client)


def test_twenty_failures_from_one_address_lock_that_address_out_for_every_username(client, people):
    for n in range(20):
        sign_in(client, f"guess{n}", "wrong", address="203.0.113.9")
    page = sign_in(client, "cy", PASSWORD, address="203.0.113.9")
    assert LOCKED in page.content.decode() and not signed_in(client)
    sign_in(client, "cy", PASSWORD, address="198.51.100.7")
    assert signed_in(client)


def test_a_successful_sign_in_starts_the_usernames_count_afresh(client, people):
    for _ in range(4):
        sign_in(client, "ada", "wrong")
    sign_in(client, "ada", PASSWORD)
    assert signed_in(client)
    client.logout()
    for _ in range(4):
        sign_in(client, "ada", "wrong")
    sign_in(client, "ada", PASSWORD)
    assert signed_in(client)


def test_the_login_page_is_unchanged_for_a_first_wrong_password(client, people):
    page = sign_in(client, "ada", "wrong")
    assert page.status_code == 200
    assert "Please enter a correct username and password" in page.content.decode()
    assert "Too many" not in page.content.decode()
