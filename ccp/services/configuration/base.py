"""What every configuration write shares: a per-instance unique name, rows of the same instance, and
a delete that refuses while something still uses the row."""

from django.db import models
from django.db.models import ProtectedError, Q

from ccp.errors import DuplicateResource, InvalidParameter, ResourceInUse
from ccp.models import Contact, ContactState

# How many blockers of one kind a refusal names; the rest are counted.
BLOCKERS_NAMED = 5


def name_check(model: type[models.Model], *, instance_id: str, name: str, exclude_pk=None) -> str:
    """The name, stripped; refused when empty or when another row of the instance already has it."""
    name = (name or "").strip()
    if not name:
        raise InvalidParameter("Give a name.", field="name")
    taken = model.objects.filter(instance_id=instance_id, name=name)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise DuplicateResource(f"Another {model._meta.verbose_name} is already called “{name}”.", field="name")
    return name


def same_instance(row, *, instance_id: str, field: str):
    """`row` (or None) when it belongs to the instance; a row of another instance is refused."""
    if row is not None and row.instance_id != instance_id:
        raise InvalidParameter(f"That {row._meta.verbose_name} is not in this instance.", field=field)
    return row


def delete_or_refuse(row: models.Model) -> None:
    """Delete `row`, or raise ResourceInUse naming (up to ten of) the rows that still protect it."""
    try:
        row.delete()
    except ProtectedError as error:
        blockers = sorted({f"{o._meta.verbose_name.capitalize()} “{o}”" for o in error.protected_objects})[:10]
        # The message names them too: an API client sees only the message.
        raise ResourceInUse(
            f"“{row}” is still in use and was not deleted: {'; '.join(blockers)}.", blockers=blockers
        ) from None


def _named(label: str, names: list[str], total: int) -> list[str]:
    named = [f"{label} “{name}”" for name in names]
    if total > len(names):
        named.append(f"… and {total - len(names)} more ({label.lower()}s)")
    return named


def open_contacts_blocking(where: Q) -> list[str]:
    """The open (not ended) contacts matching `where`, named for a refusal: deleting what they use would leave
    them stranded (no queue to be routed from, no flow to run, no agent to close them)."""
    contacts = Contact.objects.filter(where).exclude(state=ContactState.ENDED)
    first = contacts.only("id", "name").order_by("initiation_timestamp", "id")[:BLOCKERS_NAMED]
    names = [str(contact) for contact in first]
    if not names:
        return []
    return _named("Open contact", names, contacts.count())


def rows_blocking(label: str, rows: models.QuerySet) -> list[str]:
    """Configuration rows (`rows`) that use the one being deleted, named for a refusal."""
    names = [str(row) for row in rows.order_by("name")[:BLOCKERS_NAMED]]
    if not names:
        return []
    return _named(label, names, rows.count())


def refuse_while_used(row: models.Model, blockers: list[str]) -> None:
    """Raise ResourceInUse naming `blockers`, when there are any."""
    if blockers:
        # The message names them too: an API client sees only the message.
        raise ResourceInUse(f"“{row}” is still in use and was not deleted: {'; '.join(blockers)}.", blockers=blockers)
