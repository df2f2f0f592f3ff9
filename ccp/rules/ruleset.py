"""An instance's published rules compiled into one matcher, built once per change of its rules (not per segment).

Every exact-match phrase of every rule goes into one Aho–Corasick automaton (pyahocorasick): one pass over an
utterance finds every phrase of every rule in it, whatever the number of rules. A rule whose conditions need a
phrase is then evaluated only when one of its phrases was heard; the others (negations, pattern match, queue,
agent and attribute conditions alone) are evaluated every time.

Exact match is whole words, case-insensitive, singular or plural (Amazon Connect: "an exact word match, which can
be either singular or plural"): "refund" also matches "refunds"."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import ahocorasick

from ccp.rules.function import (
    Attribute,
    EventField,
    Group,
    Member,
    Node,
    Pattern,
    Phrases,
    phrase_normal,
    phrases_of,
)


@dataclass(frozen=True)
class Segment:
    """One utterance: Contact Lens's Transcript segment."""

    id: str
    role: str  # AGENT | CUSTOMER | SYSTEM
    content: str
    begin: int = 0
    end: int = 0


@dataclass(frozen=True)
class Facts:
    """What conditions other than the transcript read about the source contact."""

    contact_id: str = ""
    queue_id: str = ""
    agent_id: str = ""
    attributes: dict = field(default_factory=dict)


@dataclass(eq=False)
class CompiledRule:
    id: str
    name: str
    event_source: str
    root: Group
    actions: list
    published_at: dt.datetime | None = None
    integration_id: str = ""
    # True when the rule can hold without any of its phrases heard, so it is evaluated on every segment.
    always: bool = True
    # Its place in the rule set: matches come in this order.
    order: int = 0
    # The condition tree as one closure (RuleSet compiles it): test(hits, texts, facts, payload) -> bool.
    test: object = None
    # The transcript conditions that say where it matched (not negated ones), listed once when compiled.
    positive: tuple = ()


@dataclass
class Match:
    rule: CompiledRule
    phrases: list[str]
    segment_ids: list[str]
    # Contact Lens's PointsOfInterest: where in the conversation the rule matched.
    points: list[dict]


def _without_hits(node: Node) -> bool:
    """Whether the condition can hold when none of its phrases was heard."""
    if isinstance(node, Phrases):
        return node.negate
    if isinstance(node, Pattern):
        return node.negate or not all(node.needles)
    if isinstance(node, Group):
        if node.negate:
            return True
        held = [_without_hits(child) for child in node.children]
        return all(held) if node.operator == "AND" else any(held)
    return True


def _variants(phrase: str) -> set[str]:
    # Singular or plural: the phrase as written, with -s and -es, and without a final -s.
    variants = {phrase, phrase + "s", phrase + "es"}
    if phrase.endswith("s") and len(phrase) > 1:
        variants.add(phrase[:-1])
    return variants


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def payload_value(payload, path: tuple):
    """A field of a third-party event's payload by dotted path, keys matched case-insensitively; None if absent."""
    value = payload
    for key in path:
        if not isinstance(value, dict):
            return None
        if key in value:
            value = value[key]
            continue
        folded = key.casefold()
        value = next((v for k, v in value.items() if isinstance(k, str) and k.casefold() == folded), None)
        if value is None:
            return None
    return value


def _as_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


class RuleSet:
    """The compiled published rules of one instance."""

    def __init__(self, rules: list[CompiledRule]):
        self.rules = list(rules)
        self.by_source: dict[str, list[CompiledRule]] = defaultdict(list)
        # Per source, the rules evaluated on every segment (they can hold without a phrase heard).
        self._always: dict[str, list[CompiledRule]] = defaultdict(list)
        self._slot_role: list[str] = []
        self._slot_rule: list[CompiledRule] = []
        keys: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for order, rule in enumerate(self.rules):
            rule.always = _without_hits(rule.root)
            rule.order = order
            self.by_source[rule.event_source].append(rule)
            if rule.always:
                self._always[rule.event_source].append(rule)
            for condition in phrases_of(rule.root):
                if isinstance(condition, Pattern) and not all(condition.needles):
                    continue  # a pattern with no literal word is tried on every utterance
                condition.slot = len(self._slot_role)
                self._slot_role.append(condition.role)
                self._slot_rule.append(rule)
                if isinstance(condition, Pattern):
                    for needle in condition.needles:
                        keys[needle].append((condition.slot, needle))
                    continue
                for phrase in condition.phrases:
                    for variant in _variants(phrase):
                        keys[variant].append((condition.slot, phrase))
            # Compiled once its phrase conditions have their slots.
            rule.test = _compile(rule.root)
            rule.positive = tuple(_positive(rule.root))
        self._automaton = None
        if keys:
            automaton = ahocorasick.Automaton()
            for key, slots in keys.items():
                automaton.add_word(key, (len(key), tuple(slots)))
            automaton.make_automaton()
            self._automaton = automaton
        self.phrase_count = len(keys)

    def _hits(self, texts) -> dict[int, list[tuple[Segment, str]]]:
        """Slot → (segment, phrase) for every whole-word phrase heard by the condition's speaker."""
        hits: dict[int, list] = {}
        automaton = self._automaton
        if automaton is None:
            return hits
        slot_role = self._slot_role
        for segment, text in texts:
            size = len(text)
            for end, (length, slots) in automaton.iter(text):
                start = end - length + 1
                if (start > 0 and _is_word_char(text[start - 1])) or (end + 1 < size and _is_word_char(text[end + 1])):
                    continue
                for slot, phrase in slots:
                    role = slot_role[slot]
                    if role == "ANY" or role == segment.role:
                        hits.setdefault(slot, []).append((segment, phrase))
        return hits

    def match_transcript(
        self,
        *,
        event_source: str,
        segments,
        facts: Facts,
        initiated_at: dt.datetime | None = None,
        exclude: frozenset = frozenset(),
    ) -> list[Match]:
        """The rules of `event_source` the conversation so far satisfies. With `initiated_at`, only rules
        published at or before the contact started apply; rules in `exclude` (already fired) are skipped."""
        if event_source not in self.by_source:
            return []
        # Each utterance is normalised once, for the automaton and the patterns alike.
        texts = [(segment, phrase_normal(segment.content)) for segment in segments]
        hits = self._hits(texts)
        # Only the rules that heard one of their phrases, and those that need none, are evaluated.
        heard = {self._slot_rule[slot] for slot in hits}
        candidates = [r for r in heard if not r.always and r.event_source == event_source]
        candidates += self._always.get(event_source, ())
        if len(candidates) > 1:
            candidates.sort(key=lambda r: r.order)
        matches = []
        for rule in candidates:
            if rule.id in exclude:
                continue
            if initiated_at is not None and (rule.published_at is None or initiated_at < rule.published_at):
                continue
            if rule.test(hits, texts, facts, None):
                matches.append(_match(rule, hits, texts))
        return matches

    def match_event(self, *, event_source: str, integration_id: str, payload: dict, exclude=frozenset()) -> list:
        """The rules of a third-party event source (for this integration) its payload satisfies."""
        return [
            Match(rule=rule, phrases=[], segment_ids=[], points=[])
            for rule in self.by_source.get(event_source, ())
            if rule.integration_id == integration_id
            and rule.id not in exclude
            and rule.test({}, (), _NO_FACTS, payload)
        ]


_NO_FACTS = Facts()


def _pattern_segments(node: Pattern, texts) -> list[Segment]:
    """The utterances (with their normalised text) in which one of the node's patterns matches."""
    found = []
    for segment, text in texts:
        if node.role != "ANY" and node.role != segment.role:
            continue
        if any(
            (not needle or needle in text) and regex.search(text)
            for regex, needle in zip(node.regexes, node.needles, strict=False)
        ):
            found.append(segment)
    return found


def _compile(node: Node):
    """The condition as one closure over (hits, texts, facts, payload): built once per rule set, so evaluating a
    segment dispatches on no node types."""
    negate = node.negate
    if isinstance(node, Group):
        tests = [_compile(child) for child in node.children]
        if node.operator == "AND":

            def test(hits, texts, facts, payload):
                for child in tests:
                    if not child(hits, texts, facts, payload):
                        return negate
                return not negate
        else:

            def test(hits, texts, facts, payload):
                for child in tests:
                    if child(hits, texts, facts, payload):
                        return not negate
                return negate

        return test
    if isinstance(node, Phrases):
        slot = node.slot
        return lambda hits, texts, facts, payload: (slot in hits) != negate
    if isinstance(node, Pattern):
        slot = node.slot
        if slot >= 0:  # its literal words are in the automaton: no regex unless one was heard
            return lambda hits, texts, facts, payload: (slot in hits and bool(_pattern_segments(node, texts))) != negate
        return lambda hits, texts, facts, payload: bool(_pattern_segments(node, texts)) != negate
    if isinstance(node, Member):
        values, queue = node.values, node.what == "queue"
        return lambda hits, texts, facts, payload: ((facts.queue_id if queue else facts.agent_id) in values) != negate
    if isinstance(node, Attribute):
        key, wanted = node.key, node.value

        def test(hits, texts, facts, payload):
            value = facts.attributes.get(key)
            return (value is not None and _as_text(value) == wanted) != negate

        return test
    if isinstance(node, EventField):
        path, wanted, equals = node.path, node.value.casefold(), node.operator == "EQUALS"

        def test(hits, texts, facts, payload):
            value = payload_value(payload, path) if payload is not None else None
            text = _as_text(value).casefold()
            return (value is not None and (text == wanted if equals else wanted in text)) != negate

        return test
    raise TypeError(f"unknown condition {type(node).__name__}")  # pragma: no cover - function_parse makes no other


def _positive(node: Node):
    """The transcript conditions that count toward where a rule matched (not negated ones)."""
    if node.negate:
        return
    if isinstance(node, Group):
        for child in node.children:
            yield from _positive(child)
    elif isinstance(node, (Phrases, Pattern)):
        yield node


def _match(rule: CompiledRule, hits, texts) -> Match:
    found: dict[str, Segment] = {}
    phrases: list[str] = []
    for node in rule.positive:
        if isinstance(node, Phrases):
            for segment, phrase in hits.get(node.slot, ()):
                if segment.id not in found:
                    found[segment.id] = segment
                if phrase not in phrases:
                    phrases.append(phrase)
        else:
            for segment in _pattern_segments(node, texts):
                if segment.id not in found:
                    found[segment.id] = segment
    ordered = list(found.values())
    if len(ordered) > 1:
        ordered.sort(key=lambda s: (s.begin, s.id))
    return Match(
        rule=rule,
        phrases=phrases,
        segment_ids=[s.id for s in ordered],
        points=[{"BeginOffsetMillis": s.begin, "EndOffsetMillis": s.end} for s in ordered],
    )
