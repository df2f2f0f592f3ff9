"""Tags on configuration rows (queues, routing profiles, quick connects, hours of operation, agent statuses):
Amazon Connect's rules — at most 50 per resource, keys of 1 to 128 characters that do not start with "aws:",
values of up to 256."""

from ccp.errors import InvalidParameter
from ccp.services.audit import audit_updated
from ccp.services.transactions import entry_transaction

TAGS_PER_RESOURCE = 50
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256


def tags_check(tags: dict | None) -> dict:
    """The tags, checked; None is no tags."""
    tags = dict(tags or {})
    if len(tags) > TAGS_PER_RESOURCE:
        raise InvalidParameter(f"A resource has at most {TAGS_PER_RESOURCE} tags.", field="tags")
    for key, value in tags.items():
        if not isinstance(key, str) or not 1 <= len(key) <= TAG_KEY_MAX:
            raise InvalidParameter(f"A tag key is 1 to {TAG_KEY_MAX} characters.", field="tags")
        if key.lower().startswith("aws:"):
            raise InvalidParameter("Tag keys starting with “aws:” are reserved.", field="tags")
        if not isinstance(value, str) or len(value) > TAG_VALUE_MAX:
            raise InvalidParameter(f"A tag value is text of at most {TAG_VALUE_MAX} characters.", field="tags")
    return tags


def resource_tag(*, row, tags: dict, resource_type: str, actor=None, actor_label: str = "") -> None:
    """Add or overwrite tags on `row` (TagResource)."""
    with entry_transaction():
        row = type(row).objects.select_for_update().get(pk=row.pk)
        merged = tags_check({**row.tags, **tags})
        before, row.tags = row.tags, merged
        row.save(update_fields=["tags"])
        audit_updated(
            row,
            {"tags": before},
            resource_type=resource_type,
            after={"tags": merged},
            actor=actor,
            actor_label=actor_label,
        )


def resource_untag(*, row, keys: list[str], resource_type: str, actor=None, actor_label: str = "") -> None:
    """Remove tags from `row` by key (UntagResource); keys it does not have are ignored."""
    with entry_transaction():
        row = type(row).objects.select_for_update().get(pk=row.pk)
        kept = {k: v for k, v in row.tags.items() if k not in set(keys)}
        before, row.tags = row.tags, kept
        row.save(update_fields=["tags"])
        audit_updated(
            row,
            {"tags": before},
            resource_type=resource_type,
            after={"tags": kept},
            actor=actor,
            actor_label=actor_label,
        )
