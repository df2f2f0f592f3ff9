"""Parsing a rule's Function into a condition tree, refusing (InvalidRequest, naming it) whatever this server does
not evaluate.

What is understood, per Amazon Connect's Rules Function language (Version 2022-11-25):
- the top: `{"Version": "2022-11-25", "RuleFunction": {"Operator": "AND"|"OR", "Operands": [...]}}`; AND/OR may nest;
- words or phrases, exact match: CONTAINS_ANY a list of strings on `$.ContactLens.<Source>.ExactMatch.Transcript`,
  with a FilterClause `{"LogicOperator": "AND", "Filters": [{"Type": "ParticipantRole", "Data":
  "CUSTOMER"|"AGENT"|"ANY"}]}`; <Source> is RealTimeCall, PostCall, RealTimeChat or PostChat and must be the
  rule's own event source;
- words or phrases, pattern match: CONTAINS_ANY a list of pattern-match sequences on `….PatternMatch.Transcript`
  (PLAIN with `*` for related words, LIST, NUMERICAL; PROXIMITY is refused);
- the queue (`….Queue.QueueId`) and agent (`….Agent.AgentId`): CONTAINS_ANY a list of ids;
- a contact attribute (`….ContactAttribute.<Key>`): EQUALS one value;
- a third-party event's fields (`$.ThirdParty.Zendesk.TicketCreate.<Field>`, `$.ThirdParty.Zendesk.StatusUpdate.…`,
  `$.ThirdParty.Salesforce.CaseCreate.…`): EQUALS or CONTAINS one value;
- `Negate` on any condition.
Semantic match needs a language model this server does not have: refused, as is every other path or operator."""

import json
import re
from dataclasses import dataclass, field

from ccp.errors import InvalidRequest

VERSION = "2022-11-25"
# Nesting deeper than this is refused (a Function is a small document; recursion must stay bounded).
DEPTH_MAX = 16
PHRASE_MAX = 400
CONDITIONS_MAX = 200

# Event source → the ComparisonValue segment its conversation conditions use.
CONTACT_LENS_SOURCES = {
    "OnRealTimeCallAnalysisAvailable": "RealTimeCall",
    "OnPostCallAnalysisAvailable": "PostCall",
    "OnRealTimeChatAnalysisAvailable": "RealTimeChat",
    "OnPostChatAnalysisAvailable": "PostChat",
}
# Event source → the `$.ThirdParty.` path its event's fields live under.
THIRD_PARTY_SOURCES = {
    "OnZendeskTicketCreate": "Zendesk.TicketCreate",
    "OnZendeskTicketStatusUpdate": "Zendesk.StatusUpdate",
    "OnSalesforceCaseCreate": "Salesforce.CaseCreate",
}
REAL_TIME_SOURCES = frozenset({"OnRealTimeCallAnalysisAvailable", "OnRealTimeChatAnalysisAvailable"})
SUPPORTED_SOURCES = tuple(CONTACT_LENS_SOURCES) + tuple(THIRD_PARTY_SOURCES)
ROLES = ("CUSTOMER", "AGENT", "ANY")
PATTERN_LANGUAGES = ("EN", "ES", "AR", "DE", "FR", "HI", "IT", "PT", "KO", "JA", "ZH")


@dataclass(eq=False)
class Node:
    negate: bool = False


@dataclass(eq=False)
class Group(Node):
    operator: str = "AND"  # AND | OR
    children: list = field(default_factory=list)


@dataclass(eq=False)
class Phrases(Node):
    """Exact match: any of `phrases` (lower-cased, spaces collapsed) said by `role`."""

    phrases: tuple = ()
    role: str = "ANY"
    # Its number in the compiled rule set (ccp/rules/ruleset.py assigns it).
    slot: int = -1


@dataclass(eq=False)
class Pattern(Node):
    """Pattern match: any of the compiled regular expressions, in one utterance of `role`."""

    regexes: tuple = ()
    role: str = "ANY"
    # Per regex, a lower-case whole word it cannot match without: when every regex has one, the words go into the
    # rule set's automaton and the regexes run only on an utterance where one was heard.
    needles: tuple = ()
    slot: int = -1


@dataclass(eq=False)
class Member(Node):
    """The contact's queue or agent is one of `values`."""

    what: str = "queue"  # queue | agent
    values: frozenset = frozenset()


@dataclass(eq=False)
class Attribute(Node):
    key: str = ""
    value: str = ""


@dataclass(eq=False)
class EventField(Node):
    """A third-party event's field (a dotted path in its payload) EQUALS or CONTAINS `value`."""

    path: tuple = ()
    operator: str = "EQUALS"
    value: str = ""


def _refuse(message: str):
    raise InvalidRequest(f"Function: {message}")


def phrase_normal(text: str) -> str:
    """How phrases and transcripts are compared: lower case, runs of whitespace as one space."""
    return " ".join(text.lower().split())


def function_parse(text, *, event_source: str) -> Group:
    """The condition tree of a Function document for a rule on `event_source`; InvalidRequest names what is wrong."""
    if event_source not in SUPPORTED_SOURCES:
        raise InvalidRequest(
            f"TriggerEventSource {str(event_source)[:80]!r} is not supported by this server; use one of "
            + ", ".join(SUPPORTED_SOURCES)
            + "."
        )
    if not isinstance(text, str):
        _refuse("must be a JSON document in a string.")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        _refuse("is not valid JSON.")
    if not isinstance(document, dict):
        _refuse("must be a JSON object with Version and RuleFunction.")
    if document.get("Version") != VERSION:
        _refuse(f"Version must be {VERSION!r} (the only version of the Rules Function language).")
    body = document.get("RuleFunction")
    if not isinstance(body, dict) or body.get("Operator") not in ("AND", "OR"):
        _refuse("RuleFunction must start with an AND or OR Operator.")
    counter = [0]
    return _node(body, event_source=event_source, path="RuleFunction", depth=0, counter=counter)


def _negate(obj: dict, path: str) -> bool:
    negate = obj.get("Negate", False)
    if not isinstance(negate, bool):
        _refuse(f"{path}.Negate must be true or false.")
    return negate


def _node(obj, *, event_source: str, path: str, depth: int, counter: list) -> Node:
    if not isinstance(obj, dict):
        _refuse(f"{path} must be an object.")
    if depth > DEPTH_MAX:
        _refuse(f"conditions are nested deeper than {DEPTH_MAX} levels.")
    counter[0] += 1
    if counter[0] > CONDITIONS_MAX:
        _refuse(f"a rule can have at most {CONDITIONS_MAX} conditions.")
    operator = obj.get("Operator")
    if operator in ("AND", "OR"):
        operands = obj.get("Operands")
        if not isinstance(operands, list) or not operands:
            _refuse(f"{path}.Operands of {operator} must be a non-empty list of conditions.")
        children = [
            _node(o, event_source=event_source, path=f"{path}.Operands[{i}]", depth=depth + 1, counter=counter)
            for i, o in enumerate(operands)
        ]
        return Group(negate=_negate(obj, path), operator=operator, children=children)
    comparison = obj.get("ComparisonValue")
    if not isinstance(comparison, str) or not comparison.startswith("$."):
        _refuse(
            f"{path}.ComparisonValue must be a JSON path such as '$.ContactLens.RealTimeCall.ExactMatch.Transcript'."
        )
    if comparison.startswith("$.ContactLens."):
        return _contact_lens(obj, comparison, event_source=event_source, path=path)
    if comparison.startswith("$.ThirdParty."):
        return _third_party(obj, comparison, event_source=event_source, path=path)
    _refuse(f"ComparisonValue {comparison[:120]!r} is not supported by this server.")


def _strings(obj: dict, path: str, *, single: bool = False) -> list[str]:
    operands = obj.get("Operands")
    if not isinstance(operands, list) or not operands or not all(isinstance(o, str) and o for o in operands):
        _refuse(f"{path}.Operands must be a non-empty list of strings.")
    if single and len(operands) != 1:
        _refuse(f"{path}.Operands of {obj.get('Operator')} must hold exactly one value.")
    return operands


def _operator(obj: dict, path: str, allowed: tuple, comparison: str) -> str:
    operator = obj.get("Operator")
    if operator not in allowed:
        _refuse(
            f"{path}.Operator {str(operator)[:40]!r} is not supported with {comparison[:120]!r}; use "
            + " or ".join(allowed)
            + "."
        )
    return operator


def _role(obj: dict, path: str, *, pattern: bool) -> str:
    clause = obj.get("FilterClause")
    if clause is None:
        return "ANY"
    if not isinstance(clause, dict) or clause.get("LogicOperator", "AND") != "AND":
        _refuse(f"{path}.FilterClause.LogicOperator must be AND (the only one supported).")
    filters = clause.get("Filters", [])
    if not isinstance(filters, list):
        _refuse(f"{path}.FilterClause.Filters must be a list.")
    role = "ANY"
    for item in filters:
        kind = item.get("Type") if isinstance(item, dict) else None
        if kind == "ParticipantRole":
            if item.get("Data") not in ROLES:
                _refuse(f"{path}: ParticipantRole must be one of " + ", ".join(ROLES) + ".")
            role = item["Data"]
        elif kind == "PatternMatchLanguageFilter" and pattern:
            if item.get("Data") not in PATTERN_LANGUAGES:
                _refuse(f"{path}: PatternMatchLanguageFilter must be one of " + ", ".join(PATTERN_LANGUAGES) + ".")
        else:
            _refuse(f"{path}: filter type {str(kind)[:60]!r} is not supported.")
    return role


def _contact_lens(obj: dict, comparison: str, *, event_source: str, path: str) -> Node:
    source = CONTACT_LENS_SOURCES.get(event_source)
    parts = comparison.split(".")  # $, ContactLens, <Source>, <Kind>, ...
    if source is None or len(parts) < 4 or parts[2] != source:
        _refuse(f"ComparisonValue {comparison[:120]!r} does not belong to the event source {event_source}.")
    kind, rest = parts[3], parts[4:]
    negate = _negate(obj, path)
    if kind == "ExactMatch" and rest == ["Transcript"]:
        _operator(obj, path, ("CONTAINS_ANY",), comparison)
        phrases = []
        for phrase in _strings(obj, path):
            normal = phrase_normal(phrase)
            if not normal or len(normal) > PHRASE_MAX:
                _refuse(f"{path}: each word or phrase must be 1 to {PHRASE_MAX} characters.")
            phrases.append(normal)
        return Phrases(negate=negate, phrases=tuple(dict.fromkeys(phrases)), role=_role(obj, path, pattern=False))
    if kind == "PatternMatch" and rest == ["Transcript"]:
        _operator(obj, path, ("CONTAINS_ANY",), comparison)
        operands = obj.get("Operands")
        if not isinstance(operands, list) or not operands:
            _refuse(f"{path}.Operands must be a non-empty list of pattern-match sequences.")
        compiled = [_pattern_compile(o, f"{path}.Operands[{i}]") for i, o in enumerate(operands)]
        return Pattern(
            negate=negate,
            regexes=tuple(regex for regex, _ in compiled),
            needles=tuple(needle for _, needle in compiled),
            role=_role(obj, path, pattern=True),
        )
    if kind in ("SemanticMatch", "NaturalLanguage") or "Semantic" in kind:
        _refuse(
            f"semantic match ({comparison[:120]}) needs a language model this server does not have; "
            "use exact match or pattern match."
        )
    if kind in ("Queue", "Agent") and rest == [f"{kind}Id"]:
        _operator(obj, path, ("CONTAINS_ANY",), comparison)
        return Member(negate=negate, what=kind.lower(), values=frozenset(_strings(obj, path)))
    if kind == "ContactAttribute" and len(rest) == 1 and rest[0]:
        _operator(obj, path, ("EQUALS",), comparison)
        return Attribute(negate=negate, key=rest[0], value=_strings(obj, path, single=True)[0])
    _refuse(f"ComparisonValue {comparison[:120]!r} is not supported by this server.")


def _third_party(obj: dict, comparison: str, *, event_source: str, path: str) -> Node:
    prefix = THIRD_PARTY_SOURCES.get(event_source)
    head = f"$.ThirdParty.{prefix}."
    if prefix is None or not comparison.startswith(head) or len(comparison) == len(head):
        _refuse(f"ComparisonValue {comparison[:120]!r} does not belong to the event source {event_source}.")
    field_path = tuple(comparison[len(head) :].split("."))
    if not all(field_path):
        _refuse(f"ComparisonValue {comparison[:120]!r} names an empty field.")
    operator = _operator(obj, path, ("EQUALS", "CONTAINS"), comparison)
    value = _strings(obj, path, single=True)[0]
    return EventField(negate=_negate(obj, path), path=field_path, operator=operator, value=value)


def _pattern_compile(sequence, path: str) -> tuple[re.Pattern, str]:
    """One pattern-match sequence (a list of PLAIN / LIST / NUMERICAL objects) as a case-insensitive regex that
    must match whole words, and the longest whole word of its PLAIN parts (lower case) that any match contains."""
    if isinstance(sequence, dict):
        sequence = [sequence]
    if not isinstance(sequence, list) or not sequence:
        _refuse(f"{path} must be a non-empty list of pattern-match objects.")
    pieces = [_pattern_piece(item, path) for item in sequence]
    literal_words = [
        word.lower()
        for item in sequence
        if isinstance(item, dict) and item.get("Type") == "PLAIN"
        for word in str(item.get("Value")).split()
        if "*" not in word
    ]
    needle = max(literal_words, key=len, default="")
    return re.compile(r"(?<!\w)" + r"\s+".join(pieces) + r"(?!\w)", re.IGNORECASE), needle


def _plain_regex(value, path: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > PHRASE_MAX:
        _refuse(f"{path}: a PLAIN pattern's Value must be 1 to {PHRASE_MAX} characters.")
    words = []
    for word in value.split():
        # "neighbo*" matches neighbor, neighbors, neighborhood: the asterisk stands for the rest of a word.
        words.append(r"\w*".join(re.escape(part) for part in word.split("*")))
    return r"\s+".join(words)


def _pattern_piece(item, path: str) -> str:
    kind = item.get("Type") if isinstance(item, dict) else None
    value = item.get("Value") if isinstance(item, dict) else None
    if kind == "PLAIN":
        return _plain_regex(value, path)
    if kind == "LIST":
        if not isinstance(value, list) or not value:
            _refuse(f"{path}: a LIST pattern's Value must be a non-empty list of PLAIN objects.")
        options = []
        for option in value:
            if not isinstance(option, dict) or option.get("Type") != "PLAIN":
                _refuse(f"{path}: a LIST pattern holds only PLAIN objects.")
            options.append(_plain_regex(option.get("Value"), path))
        return "(?:" + "|".join(options) + ")"
    if kind == "NUMERICAL":
        decimal = isinstance(value, dict) and value.get("Decimal") is True
        return r"\d+(?:[.,]\d+)?" if decimal else r"\d+"
    if kind == "PROXIMITY":
        _refuse(f"{path}: PROXIMITY pattern match is not supported by this server.")
    _refuse(f"{path}: pattern-match Type must be PLAIN, LIST or NUMERICAL.")


def phrases_of(node: Node):
    """Every exact-match and pattern-match condition in the tree."""
    if isinstance(node, (Phrases, Pattern)):
        yield node
    elif isinstance(node, Group):
        for child in node.children:
            yield from phrases_of(child)
