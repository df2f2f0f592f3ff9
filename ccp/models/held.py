"""The guard rail of held writes (ccp.held_writes): while a flow run holds a contact's writes in memory, a
write that goes around the hold would be overwritten by the flush or lost with an undone step, without an
error. So the Contact model refuses them: `save()` and `refresh_from_db()` on a held instance, and
`QuerySet.update()` on a held row, raise `HeldWritesError` naming the contact, unless the flush is writing.

The held rows of this thread are kept in a set so the update check costs nothing when nothing is held (the
API, the panel, the worker's own writes); with a hold open it is one extra `EXISTS` per contact UPDATE.
"""

import threading

# The attribute a held Contact instance carries (its HeldWrites), set and cleared by ccp.held_writes.
HELD_ATTRIBUTE = "_held_writes"


class HeldWritesError(RuntimeError):
    """A write that would go around a contact's held writes: a block declared `holds=` wrongly, or a service
    that writes a held contact behind the hold's back. A programming error: the transaction must not commit."""


class _HeldRows(threading.local):
    def __init__(self):
        self.pks: set = set()


held_rows = _HeldRows()


def held_guard(contact, doing: str) -> None:
    """Raise unless this contact instance's writes are not held (or are being flushed now)."""
    held = contact.__dict__.get(HELD_ATTRIBUTE)
    if held is not None and not held.flushing:
        raise HeldWritesError(
            f"Contact {contact.pk} cannot {doing} while its writes are held by a flow run; write it through "
            "ccp.held_writes (contact_save), or declare the block holds=False so it runs after a flush."
        )
