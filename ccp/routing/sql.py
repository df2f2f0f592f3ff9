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

Where the text lives: in the migrations, not here. A migration's text is frozen (0003 installs what 0003
says, forever), so each migration that installs the function carries its whole text as a literal
`ROUTE_OFFER_FUNCTION`, and a change is a new migration with the whole new text (CREATE OR REPLACE); 0005
is the newest. This module keeps no copy of its own that could drift from the newest one: the runtime needs
only the call, `SELECT * FROM ccp_route_offer(%s, %s)` in `engine._offer_next_postgres`, and the checks read
the newest migration's text through `route_offer_function`. tests/routing/test_route_function.py: the live
function is that text, and every column it names, or must fill, exists on the models.
tests/routing/test_route_property.py: on generated contact centers, the function and the Python path make
the same offer and write the same rows.
"""

import importlib
import pkgutil

import ccp.migrations


def route_offer_migrations() -> list[tuple[str, str]]:
    """(migration name, function text) of every migration that installs `ccp_route_offer`, oldest first."""
    found = []
    for module in sorted(m.name for m in pkgutil.iter_modules(ccp.migrations.__path__)):
        text = getattr(importlib.import_module(f"ccp.migrations.{module}"), "ROUTE_OFFER_FUNCTION", None)
        if text is not None:
            found.append((module, text))
    return found


def route_offer_function() -> str:
    """The newest text of `ccp_route_offer`: what a fully migrated PostgreSQL database runs."""
    return route_offer_migrations()[-1][1]


def route_offer_body(text: str) -> str:
    """The PL/pgSQL body of a CREATE FUNCTION text (between its $fn$ quotes): what pg_proc.prosrc holds."""
    start = text.index("$fn$") + len("$fn$")
    return text[start : text.index("$fn$", start)]
