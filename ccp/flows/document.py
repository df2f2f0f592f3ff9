"""The flow document: parsing, structural checks, transitions and the condition operators.

A document is {"Version", "StartAction", "Metadata", "Actions": [...]}. Each action has an
Identifier, a Type, Parameters (may be missing) and Transitions {NextAction, Errors, Conditions}
(each may be missing). Parameter values arrive as strings.
"""

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

OPERATORS = (
    "Equals",
    "TextStartsWith",
    "TextEndsWith",
    "TextContains",
    "NumberGreaterThan",
    "NumberGreaterOrEqualTo",
    "NumberLessThan",
    "NumberLessOrEqualTo",
)

NO_MATCHING_ERROR = "NoMatchingError"
# Amazon Connect refuses these in an action's Identifier.
FORBIDDEN_IDENTIFIER_CHARACTERS = "%:(\\/)=$,;[]{}"
NO_MATCHING_CONDITION = "NoMatchingCondition"
# Real flows nest a handful of levels (Actions → action → Transitions → Errors → branch; Metadata a few more).
# 64 leaves room for any editor's Metadata and keeps JSON parsing and every walk over a document far from
# Python's recursion limit, which deeper content (100,000 nested arrays) would hit as a RecursionError (a 500).
FLOW_MAX_NESTING = 64
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]")


class FlowDocumentError(ValueError):
    """The content is not a flow document at all (bad JSON, no Actions list)."""


@dataclass
class Action:
    """One step of a flow, with its transitions kept as given."""

    identifier: str
    type: str
    parameters: dict
    transitions: dict
    raw: dict = field(repr=False, default_factory=dict)

    @property
    def next_action(self) -> str:
        return self.transitions.get("NextAction") or ""

    @property
    def errors(self) -> list[dict]:
        errors = self.transitions.get("Errors") or []
        return [e for e in errors if isinstance(e, dict)]

    @property
    def conditions(self) -> list[dict]:
        conditions = self.transitions.get("Conditions") or []
        return [c for c in conditions if isinstance(c, dict)]

    def error_target(self, error_type: str) -> str:
        """The action an error of this type goes to: its own branch, else NoMatchingError's, else ""."""
        by_type = {e.get("ErrorType"): e.get("NextAction") or "" for e in self.errors}
        return by_type.get(error_type) or by_type.get(NO_MATCHING_ERROR) or ""

    def condition_target(self, result) -> tuple[str, str] | None:
        """The first condition the result satisfies: (next action, branch label), or None."""
        for cond in self.conditions:
            spec = cond.get("Condition") or {}
            operator = spec.get("Operator", "")
            operands = spec.get("Operands") or []
            if operands and condition_matches(operator, result, operands[0]):
                label = str(operands[0]) if operator == "Equals" else f"{operator} {operands[0]}"
                return cond.get("NextAction") or "", label
        return None


@dataclass
class FlowDocument:
    """A parsed flow: its actions by identifier and where it starts."""

    start_action: str
    actions: dict[str, Action]
    data: dict = field(repr=False, default_factory=dict)


def flow_nesting_depth(content: str) -> int:
    """How deep the JSON's arrays and objects nest, counted without parsing (brackets inside strings skipped)."""
    brackets = _NOT_A_BRACKET.sub("", _JSON_STRING.sub("", content))
    depth = deepest = 0
    for char in brackets:
        depth += 1 if char in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def flow_nesting_problem(content) -> str:
    """A message when the content nests deeper than FLOW_MAX_NESTING, else ""."""
    if not isinstance(content, str):
        return ""
    depth = flow_nesting_depth(content)
    if depth <= FLOW_MAX_NESTING:
        return ""
    return f"The flow content is nested {depth} levels deep; a flow may be nested at most {FLOW_MAX_NESTING} levels."


def flow_parse(content: str) -> FlowDocument:
    """Parse flow content into a document, or raise FlowDocumentError when it is not one."""
    if problem := flow_nesting_problem(content):
        raise FlowDocumentError(problem)
    try:
        data = json.loads(content)
    except (TypeError, ValueError, RecursionError) as exc:
        raise FlowDocumentError(f"The flow is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise FlowDocumentError("The flow must be a JSON object with Version, StartAction and Actions.")
    raw_actions = data.get("Actions")
    if not isinstance(raw_actions, list):
        raise FlowDocumentError("The flow has no Actions list.")
    actions: dict[str, Action] = {}
    for raw in raw_actions:
        if not isinstance(raw, dict):
            continue
        identifier = raw.get("Identifier")
        if not isinstance(identifier, str) or identifier in actions:
            continue
        params = raw.get("Parameters")
        transitions = raw.get("Transitions")
        actions[identifier] = Action(
            identifier=identifier,
            type=str(raw.get("Type") or ""),
            parameters=params if isinstance(params, dict) else {},
            transitions=transitions if isinstance(transitions, dict) else {},
            raw=raw,
        )
    start = data.get("StartAction")
    return FlowDocument(start_action=start if isinstance(start, str) else "", actions=actions, data=data)


def flow_structure_problems(content: str) -> tuple[FlowDocument | None, list[dict]]:
    """Check what every flow needs whatever its blocks: JSON, unique identifiers, existing targets."""
    try:
        doc = flow_parse(content)
    except FlowDocumentError as exc:
        return None, [{"action": "", "message": str(exc)}]
    problems: list[dict] = []

    def problem(action: str, message: str) -> None:
        problems.append({"action": action, "message": message})

    data = doc.data
    if "Version" in data and not isinstance(data["Version"], str):
        problem("", "Version must be a string such as \"2019-10-30\".")
    if not doc.start_action:
        problem("", "The flow has no StartAction.")
    elif doc.start_action not in doc.actions:
        problem("", f"StartAction {doc.start_action!r} is not an action of this flow.")
    seen: set[str] = set()
    for index, raw in enumerate(data["Actions"]):
        if not isinstance(raw, dict):
            problem("", f"Action #{index + 1} is not an object.")
            continue
        identifier = raw.get("Identifier")
        if not isinstance(identifier, str) or not identifier:
            problem("", f"Action #{index + 1} has no Identifier.")
            continue
        if len(identifier) > 50 or any(c in identifier for c in FORBIDDEN_IDENTIFIER_CHARACTERS):
            problem(identifier, "Identifiers are at most 50 characters, without % : ( \\ / ) = $ , ; [ ] { }.")
        if identifier in seen:
            problem(identifier, f"Identifier {identifier!r} is used by more than one action.")
        seen.add(identifier)
        if not isinstance(raw.get("Type"), str) or not raw.get("Type"):
            problem(identifier, "The action has no Type.")
        if raw.get("Parameters") is not None and not isinstance(raw.get("Parameters"), dict):
            problem(identifier, "Parameters must be an object.")
        transitions = raw.get("Transitions")
        if transitions is not None and not isinstance(transitions, dict):
            problem(identifier, "Transitions must be an object.")
            continue
        problems.extend(_transition_problems(identifier, transitions or {}, doc.actions))
    return doc, problems


def _transition_problems(identifier: str, transitions: dict, actions: dict[str, Action]) -> list[dict]:
    problems: list[dict] = []

    def target(where: str, next_action) -> None:
        if not isinstance(next_action, str) or not next_action:
            problems.append({"action": identifier, "message": f"{where} has no NextAction."})
        elif next_action not in actions:
            problems.append(
                {"action": identifier, "message": f"{where} goes to {next_action!r}, which is not in this flow."}
            )

    if "NextAction" in transitions:
        target("NextAction", transitions["NextAction"])
    errors = transitions.get("Errors") or []
    if not isinstance(errors, list):
        problems.append({"action": identifier, "message": "Errors must be a list."})
        errors = []
    for error in errors:
        if not isinstance(error, dict) or not isinstance(error.get("ErrorType"), str):
            problems.append({"action": identifier, "message": "Each error branch needs an ErrorType."})
            continue
        target(f"Error branch {error['ErrorType']}", error.get("NextAction"))
    conditions = transitions.get("Conditions") or []
    if not isinstance(conditions, list):
        problems.append({"action": identifier, "message": "Conditions must be a list."})
        conditions = []
    for cond in conditions:
        spec = cond.get("Condition") if isinstance(cond, dict) else None
        if not isinstance(spec, dict):
            problems.append({"action": identifier, "message": "Each condition needs a Condition object."})
            continue
        operator = spec.get("Operator")
        operands = spec.get("Operands")
        if operator not in OPERATORS:
            problems.append({"action": identifier, "message": f"Unknown condition operator {operator!r}."})
        if not isinstance(operands, list) or not operands:
            problems.append({"action": identifier, "message": f"Condition {operator} has no Operands."})
        elif operator and operator.startswith("Number") and _number(operands[0]) is None:
            problems.append(
                {"action": identifier, "message": f"Condition {operator} needs a number, not {operands[0]!r}."}
            )
        target(f"Condition {operator}", cond.get("NextAction"))
    return problems


def _number(value) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def condition_matches(operator: str, value, operand) -> bool:
    """Whether a block's result satisfies one condition (Amazon Connect's operators)."""
    if value is None:
        return False
    if operator == "Equals":
        left, right = _number(value), _number(operand)
        if left is not None and right is not None:
            return left == right
        return _text(value) == _text(operand)
    if operator == "TextStartsWith":
        return _text(value).startswith(_text(operand))
    if operator == "TextEndsWith":
        return _text(value).endswith(_text(operand))
    if operator == "TextContains":
        return _text(operand) in _text(value)
    left, right = _number(value), _number(operand)
    if left is None or right is None:
        return False
    return {
        "NumberGreaterThan": left > right,
        "NumberGreaterOrEqualTo": left >= right,
        "NumberLessThan": left < right,
        "NumberLessOrEqualTo": left <= right,
    }.get(operator, False)
