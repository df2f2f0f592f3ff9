"""/healthz says the process is alive; /readyz says whether a load balancer should send it traffic."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import override_settings
from django.utils import timezone

from ccp.ops.heartbeat import heartbeat_beat
from ccp.ops.models import WorkerHeartbeat


def test_healthz_answers_ok_without_touching_the_database(client):
    # No django_db mark: any query here would fail the test.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_healthz_answers_a_probe_that_calls_the_process_by_its_address(client):
    with override_settings(ALLOWED_HOSTS=["tasks.example.com"]):
        response = client.get("/healthz", HTTP_HOST="10.0.3.7:8000")
    assert response.status_code == 200


def test_healthz_is_not_redirected_to_https(client):
    with override_settings(SECURE_SSL_REDIRECT=True):
        assert client.get("/healthz").status_code == 200
        assert client.get("/login/").status_code == 301


def test_probes_with_an_aws_signature_header_are_not_taken_for_api_calls(client):
    response = client.get("/healthz", HTTP_AUTHORIZATION="AWS4-HMAC-SHA256 Credential=x", HTTP_X_AMZ_DATE="x")
    assert response.content == b"ok"


@pytest.mark.django_db
def test_readyz_is_ready_when_database_layer_migrations_and_worker_all_answer(client):
    heartbeat_beat()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "channel_layer": "ok", "migrations": "ok", "worker": "ok"},
        "failing": [],
    }


@pytest.mark.django_db
def test_readyz_names_the_worker_when_no_worker_ever_reported(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["worker"]
    assert body["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_readyz_fails_when_the_newest_heartbeat_is_older_than_the_limit(client):
    old = timezone.now() - timedelta(seconds=60)
    WorkerHeartbeat.objects.create(worker="gone:1", seen_at=old, started_at=old)
    with override_settings(WORKER_HEARTBEAT_MAX_AGE=15):
        body = client.get("/readyz").json()
    assert body["failing"] == ["worker"]
    assert "60 s old" in body["checks"]["worker"]


@pytest.mark.django_db
def test_readyz_skips_the_worker_check_when_its_limit_is_zero(client):
    with override_settings(WORKER_HEARTBEAT_MAX_AGE=0):
        assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_readyz_names_migrations_when_one_is_not_applied(client):
    heartbeat_beat()
    MigrationRecorder(connection).record_unapplied("ops", "0001_initial")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["migrations"]
    assert response.json()["checks"]["migrations"] == "1 migration(s) not applied"


@pytest.mark.django_db
def test_readyz_names_the_channel_layer_when_it_does_not_answer(client):
    heartbeat_beat()
    broken = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                          "CONFIG": {"hosts": [{"address": "redis://127.0.0.1:1/0", "socket_connect_timeout": 1}]}}}
    with override_settings(CHANNEL_LAYERS=broken):
        from channels.layers import channel_layers

        channel_layers.backends.clear()
        try:
            response = client.get("/readyz")
        finally:
            channel_layers.backends.clear()
    assert response.status_code == 503
    assert response.json()["failing"] == ["channel_layer"]
