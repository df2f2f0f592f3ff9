"""Blocks that only choose a branch: Check contact attributes (Compare), Distribute by percentage,
Loop and Check hours of operation."""

import secrets

from django.utils import timezone

from ccp.flows.blocks.base import Outcome, block, static_int
from ccp.flows.paths import is_dynamic, path_resolve, text_resolve
from ccp.flows.resources import ResourceMissing, hours_find
from ccp.selectors.hours import hours_is_open


def _validate_compare(params: dict) -> list[str]:
    value = params.get("ComparisonValue")
    if not isinstance(value, str) or not value.strip():
        return ["ComparisonValue is required."]
    if not is_dynamic(value):
        return [f"ComparisonValue must be a single `$.` path, not {value!r}."]
    return []


@block("Compare", validate=_validate_compare, holds=True)
def compare(ctx, action) -> Outcome:
    """Check contact attributes: the value the conditions compare (NoMatchingCondition when none match)."""
    return Outcome.success(path_resolve(ctx.contact, action.parameters["ComparisonValue"]))


def percentage_draw() -> int:
    """A number from 1 to 100, each equally likely (tests replace this to pick a branch)."""
    return secrets.randbelow(100) + 1


@block("DistributeByPercentage", holds=True)
def distribute(ctx, action) -> Outcome:
    """Distribute by percentage: a random number 1–100 for a chain of NumberLessThan conditions."""
    return Outcome.success(percentage_draw())


def _validate_loop(params: dict) -> list[str]:
    return static_int(params, "LoopCount", low=0, high=100, required=True, dynamic=True)


@block("Loop", validate=_validate_loop, holds=True)
def loop(ctx, action) -> Outcome:
    """Loop: ContinueLooping LoopCount times for this action, then DoneLooping once, then start again."""
    raw = text_resolve(ctx.contact, action.parameters.get("LoopCount"))
    try:
        count = int(raw)
    except ValueError:
        return Outcome.error(f"LoopCount {raw!r} is not a whole number.")
    if not 0 <= count <= 100:
        return Outcome.error(f"LoopCount {count} is outside 0–100.")
    loops = ctx.contact.flow_state.setdefault("loops", {})
    key = f"{ctx.flow.id}:{action.identifier}"
    done = loops.get(key, 0)
    if done < count:
        loops[key] = done + 1
        return Outcome.success("ContinueLooping")
    loops.pop(key, None)
    return Outcome.success("DoneLooping")


def clock_now():
    """Now, for Check hours of operation (tests replace this to stand at a given moment)."""
    return timezone.now()


@block("CheckHoursOfOperation", holds=True)
def hours_check(ctx, action) -> Outcome:
    """Check hours of operation: True or False for the named hours, else the working queue's hours."""
    value = action.parameters.get("HoursOfOperationId")
    try:
        if value:
            hours = hours_find(ctx.contact.instance, text_resolve(ctx.contact, value))
        else:
            queue = ctx.contact.queue
            if queue is None:
                raise ResourceMissing("The contact has no working queue to take hours of operation from.")
            if queue.hours is None:
                raise ResourceMissing(f"Queue {queue.name} has no hours of operation.")
            hours = queue.hours
    except ResourceMissing as exc:
        return Outcome.error(str(exc))
    return Outcome.success("True" if hours_is_open(hours=hours, at=clock_now()) else "False")
