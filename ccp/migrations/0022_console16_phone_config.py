"""A user's phone config takes effect. Nothing else on SQLite.

- `ccp_route_offer` (PostgreSQL) accepts at once what the agent's PhoneConfig.AutoAccept says: a task (as the
  routing profile's task auto-accept does) and a call; a chat still rings first. The Python path
  (`ccp.services.offers.contact_offer`) does the same; tests/routing/test_route_property.py compares them.
- A new timer kind, ACW_TIMEOUT: after-contact work ends when the agent's AfterContactWorkTimeLimit runs out.

This is the newest text of the function: ccp/routing/sql.py reads it from here, and
tests/routing/test_route_function.py checks that the live function is this text. A change to the function
is a new migration with the whole new text (CREATE OR REPLACE), never an edit of this one.
"""

import importlib

from django.db import migrations, models

ROUTE_OFFER_FUNCTION = r"""CREATE OR REPLACE FUNCTION ccp_route_offer(p_agent varchar, p_now timestamptz)
RETURNS SETOF ccp_contact
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_agent record;
    v_task integer;
    v_chat integer;
    v_voice integer;
    v_free varchar[];
    v_contact ccp_contact%ROWTYPE;
    v_stamp timestamptz;
    v_expires timestamptz;
    v_auto boolean;
BEGIN
    SELECT u.id, u.instance_id, rp.task_concurrency, rp.chat_concurrency, rp.voice_concurrency,
           rp.task_auto_accept, rp.task_offer_timeout_seconds, u.routing_profile_id, u.auto_accept
      INTO v_agent
      FROM ccp_user u
      JOIN ccp_agentstatus s ON s.id = u.status_id
      JOIN ccp_routingprofile rp ON rp.id = u.routing_profile_id
     WHERE u.id = p_agent AND s.type = 'ROUTABLE'
       FOR UPDATE OF u SKIP LOCKED;
    IF NOT FOUND THEN
        RETURN;
    END IF;

    -- Each channel has its own slots: a call does not block tasks or chats.
    SELECT count(*) FILTER (WHERE channel = 'TASK'), count(*) FILTER (WHERE channel = 'CHAT'),
           count(*) FILTER (WHERE channel = 'VOICE')
      INTO v_task, v_chat, v_voice
      FROM ccp_contact
     WHERE agent_id = p_agent AND state IN ('CONNECTING', 'CONNECTED', 'AFTER_CONTACT_WORK');
    v_free := ARRAY[]::varchar[];
    IF v_voice < v_agent.voice_concurrency THEN
        v_free := v_free || 'VOICE'::varchar;
    END IF;
    IF v_chat < v_agent.chat_concurrency THEN
        v_free := v_free || 'CHAT'::varchar;
    END IF;
    IF v_task < v_agent.task_concurrency THEN
        v_free := v_free || 'TASK'::varchar;
    END IF;
    IF cardinality(v_free) = 0 THEN
        RETURN;
    END IF;

    SELECT c.* INTO v_contact
      FROM (
            SELECT rpq.queue_id, rpq.channel, rpq.priority, rpq.delay_seconds FROM ccp_routingprofilequeue rpq
             WHERE rpq.routing_profile_id = v_agent.routing_profile_id AND rpq.channel = ANY (v_free)
             UNION ALL
            SELECT q.id, f.channel, 1, 0 FROM ccp_queue q CROSS JOIN unnest(v_free) AS f (channel)
             WHERE q.agent_id = p_agent
           ) AS s
     CROSS JOIN LATERAL (
            SELECT * FROM ccp_contact c
             WHERE c.queue_id = s.queue_id AND c.state = 'QUEUED' AND c.channel = s.channel
               AND c.enqueue_timestamp <= p_now - make_interval(secs => s.delay_seconds)
               AND NOT EXISTS (
                   SELECT 1 FROM ccp_offercooldown oc
                    WHERE oc.contact_id = c.id AND oc.agent_id = p_agent AND oc.until > p_now
               )
             ORDER BY c.routing_priority, c.routing_order_at, c.id
             LIMIT 1
               FOR UPDATE SKIP LOCKED
           ) AS c
     ORDER BY s.priority, c.routing_priority, c.routing_order_at, c.id
     LIMIT 1;
    IF NOT FOUND THEN
        RETURN;
    END IF;

    v_stamp := clock_timestamp();
    -- A task is accepted at once when the routing profile or the agent's phone config auto-accepts; a call
    -- when the agent's phone config does; a chat always rings first.
    v_auto := (v_contact.channel = 'TASK' AND (v_agent.task_auto_accept OR v_agent.auto_accept))
           OR (v_contact.channel = 'VOICE' AND v_agent.auto_accept);
    v_expires := p_now + make_interval(secs => v_agent.task_offer_timeout_seconds);
    UPDATE ccp_contact
       SET state = CASE WHEN v_auto THEN 'CONNECTED' ELSE 'CONNECTING' END,
           agent_id = p_agent, offered_at = p_now, last_update_timestamp = v_stamp,
           connected_to_agent_timestamp = CASE WHEN v_auto THEN p_now ELSE connected_to_agent_timestamp END
     WHERE id = v_contact.id
    RETURNING * INTO v_contact;
    INSERT INTO ccp_contactevent
           (instance_id, contact_id, at, actor_type, actor_id, event, from_state, to_state, agent_id, queue_id,
            reason, detail)
    VALUES (v_contact.instance_id, v_contact.id, v_stamp, 'routing', NULL,
            CASE WHEN v_auto THEN 'CONNECTED' ELSE 'OFFERED' END, 'QUEUED', v_contact.state,
            p_agent, v_contact.queue_id, CASE WHEN v_auto THEN 'auto-accept' ELSE '' END,
            CASE WHEN v_auto THEN '{}'::jsonb
                 ELSE jsonb_build_object('expires_at',
                          -- As isoformat() writes it in the Python path: no fraction on a whole second.
                          to_char(v_expires AT TIME ZONE 'UTC',
                                  CASE WHEN v_expires = date_trunc('second', v_expires)
                                       THEN 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'
                                       ELSE 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"' END)) END);
    IF NOT v_auto THEN
        INSERT INTO ccp_timer
               (instance_id, kind, due_at, lease_until, leased_by, fired_at, cancelled, payload, attempts,
                contact_id, user_id)
        VALUES (v_contact.instance_id, 'OFFER_TIMEOUT', v_expires, NULL, '', NULL, false, '{}'::jsonb, 0,
                v_contact.id, p_agent);
    END IF;

    UPDATE ccp_user SET idle_since = p_now WHERE id = p_agent;
    RETURN NEXT v_contact;
END;
$fn$;
"""


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


# Backwards: 0018's text again (a frozen migration, so importing its text is safe).
PREVIOUS = importlib.import_module("ccp.migrations.0018_convo_route_offer_channels").ROUTE_OFFER_FUNCTION


class Migration(migrations.Migration):
    dependencies = [("ccp", "0021_secprof_drop_security_profile_field")]

    operations = [
        migrations.AlterField(
            model_name="timer",
            name="kind",
            field=models.CharField(
                choices=[
                    ("SCHEDULED_START", "Scheduled Start"),
                    ("OFFER_TIMEOUT", "Offer Timeout"),
                    ("QUEUE_DELAY", "Queue Delay"),
                    ("FLOW_WAIT", "Flow Wait"),
                    ("EXPIRY", "Expiry"),
                    ("AGENT_AWAY", "Agent Away"),
                    ("LAMBDA_INVOKE", "Lambda Invoke"),
                    ("ACW_TIMEOUT", "Acw Timeout"),
                ],
                max_length=20,
            ),
        ),
        migrations.RunPython(_run(ROUTE_OFFER_FUNCTION), _run(PREVIOUS)),
    ]
