"""A flow in words, for people: its blocks in the order a contact meets them, each with its parameters said
plainly, its branches (next, conditions, errors) linked to the blocks they lead to, and the blocks this server
does not run flagged; and what changed between two versions (saved and published), block by block and line by
line. Pure functions of the content: the console renders what they return."""

import difflib
import json
from collections import deque
from dataclasses import dataclass, field

from ccp.flows.blocks import BLOCKS
from ccp.flows.document import FlowDocumentError, flow_parse

# Amazon Connect's names for the blocks, as the flow designer shows them.
TITLES = {
    "UpdateContactAttributes": "Set contact attributes",
    "UpdateContactRoutingBehavior": "Change routing priority / age",
    "UpdateContactTargetQueue": "Set working queue",
    "UpdateContactEventHooks": "Set event flow",
    "UpdateFlowLoggingBehavior": "Set logging behavior",
    "InvokeLambdaFunction": "Invoke AWS Lambda function",
    "DisconnectParticipant": "Disconnect / hang up",
    "EndFlowExecution": "End flow / Resume",
    "TransferToFlow": "Transfer to flow",
    "TransferContactToQueue": "Transfer to queue",
    "Wait": "Wait",
    "CreateTask": "Create task",
    "Compare": "Check contact attributes",
    "DistributeByPercentage": "Distribute by percentage",
    "Loop": "Loop",
    "CheckHoursOfOperation": "Check hours of operation",
    "CheckMetricData": "Check queue status",
    "GetMetricData": "Get queue metrics",
    "MessageParticipant": "Play prompt",
    "ShowView": "Show view",
}
HOOK_WORDS = {
    "CustomerQueue": "customer queue flow",
    "CustomerRemaining": "disconnect flow",
    "AgentWhisper": "agent whisper flow",
}


@dataclass
class Branch:
    label: str
    target: str  # an action identifier, or "" when the branch ends the flow
    kind: str  # "next", "condition" or "error"
    number: int = 0  # the target's step number (0: ends the flow, or no such block)


@dataclass
class BlockView:
    number: int
    identifier: str
    type: str
    title: str
    runs: bool
    words: list[str]
    branches: list[Branch] = field(default_factory=list)
    reachable: bool = True


@dataclass
class FlowView:
    blocks: list[BlockView]
    problem: str = ""

    @property
    def not_run(self) -> list[str]:
        return sorted({b.type for b in self.blocks if not b.runs})


def _name(value, names: dict[str, str]) -> str:
    """An id or ARN as the resource's name (with its id), a `$.` path as a path, anything else as given."""
    text = str(value)
    if text.startswith("$."):
        return f"the value of {text}"
    key = text.rsplit("/", 1)[-1]
    if text in names:
        return f"“{names[text]}”"
    if key in names:
        return f"“{names[key]}”"
    return f"“{text}”"


def _pairs(mapping) -> str:
    if not isinstance(mapping, dict) or not mapping:
        return "nothing"
    return ", ".join(f"{k} = {v if isinstance(v, str) else json.dumps(v)}" for k, v in mapping.items())


def block_words(action_type: str, params: dict, names: dict[str, str]) -> list[str]:
    """A block's parameters as sentences."""
    p = params if isinstance(params, dict) else {}
    if action_type == "UpdateContactAttributes":
        return [
            f"Set {k} to {_name(v, names) if str(v).startswith('$.') else repr(v)}"
            for k, v in (p.get("Attributes") or {}).items()
        ]
    if action_type == "UpdateContactTargetQueue":
        if p.get("AgentId"):
            return [f"Working queue: the personal queue of agent {_name(p['AgentId'], names)}"]
        return [f"Working queue: {_name(p.get('QueueId', ''), names)}"]
    if action_type == "TransferContactToQueue":
        return ["Put the contact in its working queue (error branch QueueAtCapacity when the queue is full)"]
    if action_type == "UpdateContactEventHooks":
        ((key, value),) = (p.get("EventHooks") or {"?": ""}).items()
        return [f"Set the {HOOK_WORDS.get(key, key + ' hook')} to {_name(value, names)}"]
    if action_type == "InvokeLambdaFunction":
        words = [
            f"Call {_name(p.get('LambdaFunctionARN', ''), names)}, waiting up to "
            f"{p.get('InvocationTimeLimitSeconds', '3')} s; the answer becomes $.External"
        ]
        if p.get("LambdaInvocationAttributes"):
            words.append(f"Sending {_pairs(p['LambdaInvocationAttributes'])}")
        return words
    if action_type == "CreateTask":
        words = [f"Create task {p.get('Name', '')!r}" + (f": {p['Description']!r}" if p.get("Description") else "")]
        if p.get("TaskTemplateId"):
            words.append(f"From template {_name(p['TaskTemplateId'], names)}")
        if p.get("ContactFlowId"):
            words.append(f"Running flow {_name(p['ContactFlowId'], names)}")
        if p.get("DelaySeconds"):
            words.append(f"Starting after {p['DelaySeconds']} s")
        if p.get("ScheduledTime"):
            words.append(f"Starting at {p['ScheduledTime']}")
        if str(p.get("LinkToContact", "true")).lower() == "false" or p.get("PreviousContactId") == "":
            words.append("Not linked to this contact")
        elif p.get("RelatedContactId"):
            words.append(f"Related to {_name(p['RelatedContactId'], names)} (attributes copied once)")
        else:
            words.append("Linked to this contact (same PreviousContactId chain)")
        if p.get("Attributes"):
            words.append(f"Attributes: {_pairs(p['Attributes'])}")
        return words
    if action_type == "TransferToFlow":
        return [f"Continue in flow {_name(p.get('ContactFlowId', ''), names)}"]
    if action_type == "Wait":
        seconds = p.get("TimeLimitSeconds", p.get("TimeoutSeconds", "?"))
        return [f"Wait {seconds} s, then take WaitCompleted"]
    if action_type == "Compare":
        return [f"Compare {p.get('ComparisonValue', '?')} with the conditions below"]
    if action_type == "UpdateFlowLoggingBehavior":
        return [f"Flow logging: {p.get('FlowLoggingBehavior', '?')}"]
    if action_type == "MessageParticipant":
        if "Text" in p:
            return [f"Say {p['Text']!r} (in a whisper flow: shown to the agent on the task)"]
        return ["Play a prompt (tasks have no audio: nothing is shown)"]
    if action_type == "DisconnectParticipant":
        return ["End the contact"]
    if action_type == "EndFlowExecution":
        return ["End the flow"]
    if action_type == "CheckHoursOfOperation":
        return [
            f"Check hours {_name(p['HoursOfOperationId'], names)}"
            if p.get("HoursOfOperationId")
            else "Check the working queue's hours"
        ]
    return [f"{k}: {v if isinstance(v, str) else json.dumps(v)}" for k, v in p.items()] or ["No parameters"]


def _branches(action) -> list[Branch]:
    branches = []
    for condition in action.conditions:
        cond = condition.get("Condition") or {}
        operands = ", ".join(str(o) for o in cond.get("Operands") or [])
        branches.append(
            Branch(f"{cond.get('Operator', '?')} {operands}", condition.get("NextAction") or "", "condition")
        )
    if action.next_action or not action.errors:
        branches.append(Branch("Success" if not action.conditions else "Otherwise", action.next_action, "next"))
    for error in action.errors:
        branches.append(Branch(error.get("ErrorType", "Error"), error.get("NextAction") or "", "error"))
    return branches


def flow_describe(content: str, *, names: dict[str, str] | None = None) -> FlowView:
    """The flow's blocks in the order a contact reaches them from the start (then any it never reaches)."""
    names = names or {}
    try:
        doc = flow_parse(content)
    except FlowDocumentError as exc:
        return FlowView(blocks=[], problem=str(exc))
    order, seen, queue = [], set(), deque([doc.start_action])
    while queue:
        current = queue.popleft()
        if not current or current in seen or current not in doc.actions:
            continue
        seen.add(current)
        order.append(current)
        queue.extend(b.target for b in _branches(doc.actions[current]))
    unreachable = [i for i in doc.actions if i not in seen]
    numbers = {ident: n for n, ident in enumerate([*order, *unreachable], start=1)}
    blocks = []
    for ident in [*order, *unreachable]:
        action = doc.actions[ident]
        branches = _branches(action)
        for branch in branches:
            branch.number = numbers.get(branch.target, 0)
        blocks.append(
            BlockView(
                number=numbers[ident],
                identifier=ident,
                type=action.type,
                title=TITLES.get(action.type, action.type),
                runs=action.type in BLOCKS,
                words=block_words(action.type, action.parameters, names),
                branches=branches,
                reachable=ident in seen,
            )
        )
    return FlowView(blocks=blocks)


@dataclass
class FlowDiff:
    added: list[str]
    removed: list[str]
    changed: list[str]
    lines: list[str]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.lines)


def _actions(content: str) -> dict[str, dict]:
    try:
        document = json.loads(content or "{}")
    except json.JSONDecodeError:
        return {}
    actions = document.get("Actions") if isinstance(document, dict) else None
    return {a.get("Identifier"): a for a in actions or [] if isinstance(a, dict)}


def _pretty(content: str) -> list[str]:
    try:
        return json.dumps(json.loads(content or "{}"), indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    except json.JSONDecodeError:
        return (content or "").splitlines()


def flow_diff(published: str, saved: str) -> FlowDiff:
    """What publishing the saved version would change: blocks added, removed and changed (by identifier), and a
    unified diff of the two documents (keys sorted, so only real changes show)."""
    before, after = _actions(published), _actions(saved)
    label = lambda ident, a: f"{ident} ({TITLES.get(a.get('Type'), a.get('Type'))})"  # noqa: E731
    lines = list(difflib.unified_diff(_pretty(published), _pretty(saved), "published", "saved", lineterm="", n=2))
    return FlowDiff(
        added=[label(i, a) for i, a in after.items() if i not in before],
        removed=[label(i, a) for i, a in before.items() if i not in after],
        changed=[label(i, a) for i, a in after.items() if i in before and before[i] != a],
        lines=lines,
    )
