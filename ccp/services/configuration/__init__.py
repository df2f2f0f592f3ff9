"""Configuration writes: queues, hours of operation, routing profiles (with their queues), quick
connects, users, agent statuses, flows' details and the instance's settings.

Every function is `<entity>_<verb>` with keyword-only arguments, opens one transaction, checks what
the console's forms check (so another caller cannot skip it), and raises ccp.errors on a
refusal. The admin console's views only handle forms and call these.
"""
