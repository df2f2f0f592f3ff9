"""Where conversation events meet the rules engine.

The conversation side (transcript segments arriving, a voice or chat contact ending, a third-party event
arriving) calls these after its own transaction commits; the rules engine evaluates the published rules and
runs their actions in transactions of its own. Until the rules engine lands these do nothing: no rule exists
that could fire."""


def on_segments_added(contact, segments) -> None:
    """New Transcript segments of an active VOICE or CHAT contact (real-time call/chat analysis triggers)."""


def on_contact_ended(contact) -> None:
    """A VOICE or CHAT contact ended: its whole transcript is ready (post-call/post-chat analysis triggers)."""
