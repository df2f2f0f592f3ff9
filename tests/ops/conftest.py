import pytest
from prometheus_client.parser import text_string_to_metric_families

from ccp.ops import heartbeat
from ccp.ops.readiness import readiness_cache_clear


@pytest.fixture(autouse=True)
def _fresh_process_state(monkeypatch):
    """Each test starts as a new process would: no heartbeat written yet, migrations not yet checked."""
    monkeypatch.setattr(heartbeat, "_last_beat", None)
    readiness_cache_clear()
    yield
    readiness_cache_clear()


def scrape(client, **headers) -> dict:
    """GET /metrics and return {(sample name, sorted label items): value}."""
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.content
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples
