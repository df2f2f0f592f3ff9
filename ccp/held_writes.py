"""A contact's writes during a flow run: held in memory and written together when the run ends.

A run changes its contact several times: a new task is inserted, its working queue is set, it is queued,
its flow state and trace are saved, and every change records an event. Written as they happen, that is a
statement each plus a savepoint per block, and at ~0.3 ms of ORM and driver time a statement, most of what
StartTaskContact costs. Held on the contact and written when the run ends, it is one INSERT or UPDATE of the
contact row, one INSERT of its events and one of its timers, in the same transaction as before.

- Outside a hold (the panel, the API, the worker's own writes) `contact_save`, `contact_event_save` and
  `contact_timer_save` write at once, as `Model.save` would.
- A block that reads its contact back from the database, or writes other rows (Create task), runs after
  `contact_flush` and in a savepoint of its own (`Block.holds`); the others change only the contact, so a
  failed one is undone in memory (`contact_snapshot` / `contact_restore`) instead of by a savepoint.
- Writes that go around a hold raise `HeldWritesError` (ccp.models.held): `Contact.save()`,
  `refresh_from_db()` and `QuerySet.update()` on a held contact, except from `contact_flush` itself. A block
  declared `holds=` wrongly fails its run loudly instead of losing data.
- Foreign keys to a contact that is not inserted yet are fine inside the transaction: Django creates them
  DEFERRABLE INITIALLY DEFERRED on PostgreSQL and SQLite, and the hold is written before the commit.
"""

import copy
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import models

from ccp.compiled import insert_rows
from ccp.models import Contact, ContactEvent, Timer
from ccp.models.held import HELD_ATTRIBUTE, held_rows

_HELD = HELD_ATTRIBUTE


@dataclass
class HeldWrites:
    insert: bool = False  # the contact row itself is not in the database yet
    fields: set = field(default_factory=set)
    events: list = field(default_factory=list)
    timers: list = field(default_factory=list)
    others: list = field(default_factory=list)  # lists of other new rows of the contact (its transcript)
    # Writes that reached the database while held (a flush, a timer cancel): a step that fails after one
    # can no longer be undone in memory.
    written: int = 0
    flushing: bool = False  # contact_flush is saving the row: the model's guard lets it through


def _held(contact) -> HeldWrites | None:
    return contact.__dict__.get(_HELD)


@contextmanager
def contact_writes_held(contact: Contact, *, insert: bool = False):
    """Hold the contact's writes until the block ends, then write them; a nested hold joins the outer one.

    On an exception nothing held is written: the caller's transaction rolls back anyway."""
    if _held(contact) is not None:
        yield
        return
    contact.__dict__[_HELD] = HeldWrites(insert=insert)
    held_rows.pks.add(contact.pk)
    try:
        yield
        contact_flush(contact)
    finally:
        contact.__dict__.pop(_HELD, None)
        held_rows.pks.discard(contact.pk)


def contact_flush(contact: Contact) -> None:
    """Write what is held for the contact now, before work that reads it from the database."""
    held = _held(contact)
    if held is None:
        return
    if not (held.insert or held.fields or held.events or held.timers or held.others):
        return
    if held.fields and not held.insert:
        held.flushing = True
        try:
            contact.save(update_fields=sorted(held.fields))
        finally:
            held.flushing = False
    insert_rows([contact] if held.insert else [], *held.others, held.events, held.timers)
    held.insert, held.fields, held.events, held.timers, held.others = False, set(), [], [], []
    held.written += 1


def contact_save(contact: Contact, fields) -> None:
    """Save these fields of the contact (held during a flow run)."""
    held = _held(contact)
    if held is None:
        contact.save(update_fields=list(fields))
    elif not held.insert:  # a row still to be inserted is written whole
        held.fields.update(fields)


def contact_event_save(contact: Contact, event: ContactEvent) -> None:
    """Save one of the contact's events (held during a flow run)."""
    held = _held(contact)
    if held is None:
        event.save(force_insert=True)
    else:
        held.events.append(event)


def contact_rows_save(contact: Contact, rows: list[models.Model]) -> None:
    """Insert new rows of one model that belong to the contact (held: written with its events)."""
    held = _held(contact)
    if held is None:
        insert_rows(rows)
    elif rows:
        held.others.append(rows)


def contact_timer_save(contact: Contact | None, timer: Timer) -> None:
    """Save a timer, held with its contact during a flow run."""
    held = _held(contact) if contact is not None else None
    if held is None:
        timer.save(force_insert=True)
    else:
        held.timers.append(timer)


def contact_timers_cancel_held(contact: Contact, *, kinds, now) -> tuple[int, bool]:
    """Cancel the contact's held timers of these kinds; returns (how many, whether the database may hold more)."""
    held = _held(contact)
    if held is None:
        return 0, True
    cancelled = 0
    for timer in held.timers:
        if timer.kind in kinds and not timer.cancelled and timer.fired_at is None:
            timer.cancelled, timer.fired_at = True, now
            cancelled += 1
    if held.insert:
        return cancelled, False  # a contact not inserted yet has no timers in the database
    return cancelled, True


def contact_written_through(contact: Contact) -> None:
    """A write for this contact reached the database while its writes are held (its timers were cancelled
    there): a step that fails after it can no longer be undone in memory."""
    held = _held(contact)
    if held is not None:
        held.written += 1


# Undoing a failed step in memory.

_FIELDS = [f.attname for f in Contact._meta.concrete_fields]
# Fields whose values are mutable objects a block may change in place (attributes, references, flow state,
# trace): copied deeply, so a failed step's in-place changes are undone too.
_MUTABLE = frozenset(f.attname for f in Contact._meta.concrete_fields if isinstance(f, models.JSONField))


def contact_snapshot(contact: Contact) -> tuple:
    """The contact's fields and held writes before a step, for `contact_restore`."""
    values = {name: getattr(contact, name) for name in _FIELDS}
    for name in _MUTABLE:
        values[name] = copy.deepcopy(values[name])
    held = _held(contact)
    held_state = None
    if held is not None:
        timers = [(t, t.cancelled, t.fired_at) for t in held.timers]
        held_state = (held.insert, set(held.fields), list(held.events), timers, held.written)
    return values, dict(contact._state.fields_cache), held_state


def contact_restore(contact: Contact, snapshot: tuple, *, rolled_back: bool = False) -> bool:
    """Put the contact and its held writes back as they were; False when some already reached the database
    (unless a savepoint `rolled_back` those writes)."""
    values, cache, held_state = snapshot
    held = _held(contact)
    if held is not None and held_state is not None and held.written != held_state[4] and not rolled_back:
        return False
    for name, value in values.items():
        setattr(contact, name, value)
    contact._state.fields_cache = cache
    if held is not None and held_state is not None:
        held.insert, held.fields, held.events, timers, held.written = held_state
        for timer, cancelled, fired_at in timers:
            timer.cancelled, timer.fired_at = cancelled, fired_at
        held.timers = [t for t, _, _ in timers]
    return True
