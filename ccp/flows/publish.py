"""Saving and publishing flows. Content is stored as the exact string the user gave (Metadata and
all), so an export gives back what was imported. Publishing validates the whole flow; blocks this
server does not run are listed rather than refused, and take their error branch at run time.

`flow_create` and `flow_save_content` are steps: they run inside the transaction of the service that calls
them (ccp.services.configuration.flows, or an instance's creation) and refuse to run outside one."""

from django.db import transaction
from django.db.transaction import TransactionManagementError

from ccp.errors import DuplicateResource, InvalidFlow, InvalidParameter
from ccp.flows.blocks import BLOCKS
from ccp.flows.document import flow_structure_problems
from ccp.models import ContactFlow, FlowStatus, FlowType


def flow_validate(content: str) -> tuple[list[dict], list[str]]:
    """Problems that stop publishing ({"action", "message"}), and the block types that will not run."""
    doc, problems = flow_structure_problems(content)
    if doc is None:
        return problems, []
    unsupported: list[str] = []
    for action in doc.actions.values():
        block = BLOCKS.get(action.type)
        if block is None:
            if action.type and action.type not in unsupported:
                unsupported.append(action.type)
            continue
        try:
            messages = block.validate(action.parameters)
        except (TypeError, ValueError, AttributeError) as exc:
            messages = [f"Parameters could not be read: {exc}"]
        problems.extend({"action": action.identifier, "message": m} for m in messages)
    return problems, unsupported


def _summary(problems: list[dict]) -> str:
    first = problems[0]
    where = f"Action {first['action']}: " if first["action"] else ""
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"The flow cannot be published. {where}{first['message']}{more}"


def _transaction_required(step: str) -> None:
    """The flows layer's copy of ccp.services.transactions.transaction_required (services sit above flows)."""
    if not transaction.get_connection().in_atomic_block:
        raise TransactionManagementError(f"{step} runs inside its entry point's transaction, and there is none.")


def _apply(flow: ContactFlow, content: str, publish: bool) -> None:
    flow.content = content
    if publish:
        problems, unsupported = flow_validate(content)
        if problems:
            raise InvalidFlow(_summary(problems), problems=problems)
        flow.status = FlowStatus.PUBLISHED
        flow.published_content = content
        flow.unsupported_blocks = unsupported
    else:
        # The last published version keeps running until the next publish.
        flow.status = FlowStatus.SAVED


# The columns' limits (Amazon Connect: names 1–127, descriptions up to 500).
FLOW_NAME_MAX = 127
FLOW_DESCRIPTION_MAX = 500


def flow_create(
    *, instance, name: str, type: str, content: str, description: str = "", publish: bool = True
) -> ContactFlow:
    """Create a flow; when publishing, validate it first and save nothing if it has problems."""
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= FLOW_NAME_MAX:
        raise InvalidParameter(f"A flow name is 1 to {FLOW_NAME_MAX} characters.", field="Name")
    if len(description or "") > FLOW_DESCRIPTION_MAX:
        raise InvalidParameter(f"A flow description is at most {FLOW_DESCRIPTION_MAX} characters.", field="Description")
    if type not in FlowType.values:
        raise InvalidParameter(f"Flow type must be one of {', '.join(FlowType.values)}.", field="Type")
    _transaction_required("Creating a flow")
    if ContactFlow.objects.filter(instance=instance, name=name).exists():
        raise DuplicateResource(f"A flow named {name!r} already exists.")
    flow = ContactFlow(instance=instance, name=name, type=type, description=description)
    _apply(flow, content, publish)
    flow.save(force_insert=True)
    return flow


def flow_save_content(*, flow: ContactFlow, content: str, publish: bool) -> ContactFlow:
    """Save new content; publish it (validated) or keep it as a draft beside the running version."""
    _transaction_required("Saving a flow")
    locked = ContactFlow.objects.select_for_update().get(pk=flow.pk)
    _apply(locked, content, publish)
    locked.save(update_fields=["content", "status", "published_content", "unsupported_blocks", "updated_at"])
    for field in ("content", "status", "published_content", "unsupported_blocks", "updated_at"):
        setattr(flow, field, getattr(locked, field))
    return flow
