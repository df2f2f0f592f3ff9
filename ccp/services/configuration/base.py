"""What every configuration write shares: a per-instance unique name, rows of the same instance, and
a delete that refuses while something still uses the row."""

from django.db import models
from django.db.models import ProtectedError

from ccp.errors import DuplicateResource, InvalidParameter, ResourceInUse


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
        raise ResourceInUse(f"“{row}” is still in use and was not deleted.", blockers=blockers) from None
