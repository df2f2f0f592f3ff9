"""Dynamic values in a rule's actions: `[ContactId]`, `[AgentId]`, `[QueueId]`, `[RuleName]`, and for
third-party events the payload's fields (`[Priority]`, `[Requester.Email]`), replaced when the task or
notification is made. A bracketed name that is not a known value stays as written."""

import re

CONTACT_VALUES = ("ContactId", "AgentId", "QueueId", "RuleName")
# A URL reference whose Value is exactly this is the rule's default reference: the source contact's console page.
CONTACT_URL = "[ContactUrl]"

_BRACKETED = re.compile(r"\[([A-Za-z0-9_.\-]{1,128})\]")


def payload_values(payload, *, prefix: str = "", depth: int = 0) -> dict[str, str]:
    """A payload's fields as dynamic values: top-level keys, and nested ones as dotted paths (3 levels)."""
    values: dict[str, str] = {}
    if not isinstance(payload, dict) or depth > 2:
        return values
    for key, value in payload.items():
        if not isinstance(key, str):
            continue
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            values.update(payload_values(value, prefix=f"{name}.", depth=depth + 1))
        elif isinstance(value, bool):
            values[name] = "true" if value else "false"
        elif value is not None and not isinstance(value, list):
            values[name] = str(value)
    return values


def dynamic_apply(text: str, values: dict[str, str]) -> str:
    """`text` with each `[Name]` that names a known value replaced by it."""
    if "[" not in text:
        return text
    return _BRACKETED.sub(lambda m: values.get(m.group(1), m.group(0)), text)
