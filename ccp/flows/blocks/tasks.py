"""Create task: a new task, written by hand or from a template, now or later, linked to this contact or not.

"Link to contact" is on unless the block says otherwise (the real exports in the flow library carry no link
parameter and create linked tasks). It is switched off by `"LinkToContact": "false"`, or by an empty
`"PreviousContactId"`; `"PreviousContactId"` / `"RelatedContactId"` may also name the contact to link
(`$.ContactId` or another id), as StartTaskContact's parameters of the same names do.

On success the new contact's id is $.Task.ContactId. The task services check the documented
limits (chain of 12, active-task quota, scheduling window); a refusal takes the error branch.
"""

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from ccp.errors import ServiceError
from ccp.flows.blocks.base import Outcome, block, static_int, string_map, text_param
from ccp.flows.paths import is_dynamic, text_resolve
from ccp.flows.resources import ResourceMissing, flow_find
from ccp.models import Contact, TaskTemplate

MAX_DELAY_SECONDS = 518_400  # six days, Amazon Connect's limit for DelaySeconds


def _validate(params: dict) -> list[str]:
    problems = text_param(params, "Name", required=not params.get("TaskTemplateId"))
    problems += text_param(params, "Description")
    if not params.get("ContactFlowId") and not params.get("TaskTemplateId"):
        problems.append("Set ContactFlowId or TaskTemplateId.")
    problems += text_param(params, "ContactFlowId")
    problems += text_param(params, "TaskTemplateId")
    if is_dynamic(params.get("TaskTemplateId")):
        problems.append("TaskTemplateId must be set statically.")
    problems += string_map(params, "Attributes")
    references = params.get("References", {})
    if not isinstance(references, dict):
        problems.append("References must be an object.")
    if "DelaySeconds" in params and "ScheduledTime" in params:
        problems.append("Set DelaySeconds or ScheduledTime, not both.")
    problems += static_int(params, "DelaySeconds", low=1, high=MAX_DELAY_SECONDS, dynamic=True)
    link = params.get("LinkToContact")
    if link is not None and str(link).lower() not in ("true", "false"):
        problems.append(f"LinkToContact must be \"true\" or \"false\", not {link!r}.")
    if params.get("PreviousContactId") and params.get("RelatedContactId"):
        problems.append("Set PreviousContactId or RelatedContactId, not both.")
    problems += text_param(params, "PreviousContactId")
    problems += text_param(params, "RelatedContactId")
    scheduled = params.get("ScheduledTime")
    if scheduled is not None and not is_dynamic(scheduled) and _parse_time(scheduled) is None:
        problems.append(f"ScheduledTime must be an ISO 8601 date and time or epoch seconds, not {scheduled!r}.")
    return problems


def _parse_time(value) -> datetime | None:
    text = str(value).strip()
    try:
        return datetime.fromtimestamp(float(text), tz=UTC)
    except (ValueError, OverflowError, OSError):
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _references(contact, references: dict) -> dict:
    result = {}
    for name, ref in references.items():
        if isinstance(ref, dict):
            result[name] = {"Type": ref.get("Type", "URL"), "Value": text_resolve(contact, ref.get("Value", ""))}
        else:
            result[name] = {"Type": "URL", "Value": text_resolve(contact, ref)}
    return result


def _links(contact, params: dict) -> tuple:
    """(previous contact, related contact) of the new task, as the block's link settings say."""
    if str(params.get("LinkToContact", "true")).lower() == "false":
        return None, None
    for key in ("RelatedContactId", "PreviousContactId"):
        if key in params:
            target_id = text_resolve(contact, params[key]).strip()
            if not target_id:
                return None, None
            if target_id == contact.id:
                target = contact
            else:
                target = Contact.objects.filter(instance_id=contact.instance_id, pk=target_id).first()
                if target is None:
                    raise ResourceMissing(f"No contact {target_id[:100]!r} in this instance to link the task to.")
            return (None, target) if key == "RelatedContactId" else (target, None)
    return contact, None


# Writes another contact and links this one into its chain: runs in a savepoint, after a flush.
@block("CreateTask", validate=_validate, holds=False)
def task_create(ctx, action) -> Outcome:
    """Start a task linked to the current contact; its id becomes $.Task.ContactId."""
    params = action.parameters
    contact = ctx.contact
    try:
        flow = flow_find(contact.instance, text_resolve(contact, params["ContactFlowId"])) \
            if params.get("ContactFlowId") else None
        template = None
        if params.get("TaskTemplateId"):
            template = TaskTemplate.objects.filter(instance=contact.instance, id=params["TaskTemplateId"]).first()
            if template is None:
                raise ResourceMissing(f"No task template {params['TaskTemplateId']!r} in this instance.")
        previous, related = _links(contact, params)
    except ResourceMissing as exc:
        return Outcome.error(str(exc))
    scheduled = None
    if params.get("DelaySeconds"):
        raw = text_resolve(contact, params["DelaySeconds"])
        try:
            scheduled = timezone.now() + timedelta(seconds=int(raw))
        except ValueError:
            return Outcome.error(f"DelaySeconds {raw!r} is not a whole number.")
    elif params.get("ScheduledTime"):
        scheduled = _parse_time(text_resolve(contact, params["ScheduledTime"]))
        if scheduled is None:
            return Outcome.error(f"ScheduledTime {params['ScheduledTime']!r} is not a date and time.")
    attributes = {
        (text_resolve(contact, k) if is_dynamic(k) else k): text_resolve(contact, v)
        for k, v in (params.get("Attributes") or {}).items()
    }
    try:
        task = ctx.services.task_create(
            instance=contact.instance,
            name=text_resolve(contact, params.get("Name", "")),
            description=text_resolve(contact, params.get("Description", "")),
            attributes=attributes,
            references=_references(contact, params.get("References") or {}),
            # The services take one flow source: a template runs its own flow.
            contact_flow=None if template is not None else flow,
            task_template=template,
            previous_contact=previous,
            related_contact=related,
            scheduled_time=scheduled,
            initiation_method="FLOW",
            actor_type="flow",
        )
    except ServiceError as exc:
        return Outcome.error(exc.message)
    contact.flow_state["task_contact_id"] = task.id
    return Outcome.success(task.id)
