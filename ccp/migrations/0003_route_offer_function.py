"""PostgreSQL: the routing claim as one server-side function (see ccp/routing/sql.py). Nothing on SQLite."""

from django.db import migrations

from ccp.routing.sql import DROP_ROUTE_OFFER_FUNCTION, ROUTE_OFFER_FUNCTION


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("ccp", "0002_agent_events")]

    operations = [
        migrations.RunPython(_on_postgres(ROUTE_OFFER_FUNCTION), _on_postgres(DROP_ROUTE_OFFER_FUNCTION)),
    ]
