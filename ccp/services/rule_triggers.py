"""Where conversation events meet the rules engine.

The conversation side (transcript segments arriving, a voice or chat contact ending) calls these after its own
transaction commits; the rules engine (ccp/services/rule_engine.py) evaluates the instance's compiled published
rules and runs the actions of each match in a transaction of its own. Third-party events come in through
ccp/services/applications.py. Neither function raises for a rule's failure: a failed action is recorded on its
RuleFiring, and the caller's work is already committed."""

import logging

from ccp.services.rule_engine import TranscriptSeen, rules_on_transcript, transcript_reads, transcript_seen

__all__ = ["on_contact_ended", "on_segments_added", "transcript_reads", "transcript_seen"]

log = logging.getLogger(__name__)


def on_segments_added(contact, segments, seen: TranscriptSeen | None = None) -> None:
    """New Transcript segments of an active VOICE or CHAT contact (real-time call/chat analysis triggers):
    the conversation so far is evaluated against OnRealTimeCallAnalysisAvailable / OnRealTimeChatAnalysisAvailable
    rules; each fires at most once per contact. `seen`: what the evaluation reads, read by the caller under the
    contact's lock in the transaction that added the segments (`transcript_reads`), so nothing is read again."""
    if not segments:
        return
    try:
        rules_on_transcript(contact=contact, real_time=True, seen=seen)
    except Exception:  # noqa: BLE001 - the segments are stored; a rules failure must not fail their request
        log.exception("real-time rules failed for contact %s", getattr(contact, "pk", contact))


def on_contact_ended(contact) -> None:
    """A VOICE or CHAT contact ended: its whole transcript is ready (post-call/post-chat analysis triggers)."""
    try:
        rules_on_transcript(contact=contact, real_time=False)
    except Exception:  # noqa: BLE001 - the contact has ended either way
        log.exception("post-contact rules failed for contact %s", getattr(contact, "pk", contact))
