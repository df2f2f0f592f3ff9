"""The claim on PostgreSQL as one server-side function: one round trip per routing decision.

`ccp_route_offer(agent, now)` does what `engine._offer_next_portable` does in Python, in the same order and
with the same locks, and returns the offered contact's row (or no row):

1. lock the agent with FOR UPDATE SKIP LOCKED, only while Available (ROUTABLE) with a routing profile;
2. count their open tasks against the profile's task concurrency;
3. lock the head of each of their TASK queues (the profile's, and their personal queue at priority 1) with
   FOR UPDATE SKIP LOCKED — past the queue's delay, not cooling off for this agent — and take the best by
   (queue priority, routing priority, routing order, id), the order of `decide.contact_rank`;
4. offer it: the contact row, its ContactEvent, the offer-timeout timer (or CONNECTED at once when the
   profile auto-accepts), and the agent's idle_since.

Each decision used to be about eleven statements from Python; as one statement in autocommit it is one
round trip and one commit (bench/routing.py has the numbers). The Python path stays for SQLite, and the
routing tests run against both.

Migration 0003 installs the function. Changing it means a new migration that runs the new text again
(CREATE OR REPLACE); the columns it names must follow any change to those tables.
"""

ROUTE_OFFER_FUNCTION = r"""
CREATE OR REPLACE FUNCTION ccp_route_offer(p_agent varchar, p_now timestamptz)
RETURNS SETOF ccp_contact
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_agent record;
    v_open integer;
    v_contact ccp_contact%ROWTYPE;
    v_stamp timestamptz;
    v_expires timestamptz;
BEGIN
    SELECT u.id, u.instance_id, rp.task_concurrency, rp.task_auto_accept, rp.task_offer_timeout_seconds,
           u.routing_profile_id
      INTO v_agent
      FROM ccp_user u
      JOIN ccp_agentstatus s ON s.id = u.status_id
      JOIN ccp_routingprofile rp ON rp.id = u.routing_profile_id
     WHERE u.id = p_agent AND s.type = 'ROUTABLE'
       FOR UPDATE OF u SKIP LOCKED;
    IF NOT FOUND THEN
        RETURN;
    END IF;

    SELECT count(*) INTO v_open FROM ccp_contact
     WHERE agent_id = p_agent AND channel = 'TASK' AND state IN ('CONNECTING', 'CONNECTED', 'AFTER_CONTACT_WORK');
    IF v_open >= v_agent.task_concurrency THEN
        RETURN;
    END IF;

    SELECT c.* INTO v_contact
      FROM (
            SELECT rpq.queue_id, rpq.priority, rpq.delay_seconds FROM ccp_routingprofilequeue rpq
             WHERE rpq.routing_profile_id = v_agent.routing_profile_id AND rpq.channel = 'TASK'
             UNION ALL
            SELECT q.id, 1, 0 FROM ccp_queue q WHERE q.agent_id = p_agent
           ) AS s
     CROSS JOIN LATERAL (
            SELECT * FROM ccp_contact c
             WHERE c.queue_id = s.queue_id AND c.state = 'QUEUED' AND c.channel = 'TASK'
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
    v_expires := p_now + make_interval(secs => v_agent.task_offer_timeout_seconds);
    IF v_agent.task_auto_accept THEN
        UPDATE ccp_contact
           SET state = 'CONNECTED', agent_id = p_agent, offered_at = p_now, connected_to_agent_timestamp = p_now,
               last_update_timestamp = v_stamp
         WHERE id = v_contact.id
        RETURNING * INTO v_contact;
        INSERT INTO ccp_contactevent
               (instance_id, contact_id, at, actor_type, actor_id, event, from_state, to_state, agent_id, queue_id,
                reason, detail)
        VALUES (v_contact.instance_id, v_contact.id, v_stamp, 'routing', NULL, 'CONNECTED', 'QUEUED', 'CONNECTED',
                p_agent, v_contact.queue_id, 'auto-accept', '{}'::jsonb);
    ELSE
        UPDATE ccp_contact
           SET state = 'CONNECTING', agent_id = p_agent, offered_at = p_now, last_update_timestamp = v_stamp
         WHERE id = v_contact.id
        RETURNING * INTO v_contact;
        INSERT INTO ccp_contactevent
               (instance_id, contact_id, at, actor_type, actor_id, event, from_state, to_state, agent_id, queue_id,
                reason, detail)
        VALUES (v_contact.instance_id, v_contact.id, v_stamp, 'routing', NULL, 'OFFERED', 'QUEUED', 'CONNECTING',
                p_agent, v_contact.queue_id, '',
                jsonb_build_object('expires_at',
                    to_char(v_expires AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')));
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

DROP_ROUTE_OFFER_FUNCTION = "DROP FUNCTION IF EXISTS ccp_route_offer(varchar, timestamptz);"
