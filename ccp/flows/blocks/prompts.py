"""Play prompt (MessageParticipant): in an agent whisper flow, the text is the message the agent sees on the
task's tile when they accept it; a task has no one to play audio to, so anywhere else the block just goes on."""

import re

from ccp.flows.blocks.base import WHISPER, Outcome, block, text_param
from ccp.flows.paths import text_resolve
from ccp.realtime.publish import agent_refresh

# What the tile shows of a whisper message: enough for a sentence or two.
WHISPER_MESSAGE_MAX = 1024
_TAGS = re.compile(r"<[^>]*>")


def _validate(params: dict) -> list[str]:
    problems = text_param(params, "Text") + text_param(params, "SSML")
    if not any(k in params for k in ("Text", "SSML", "PromptId", "Media")):
        problems.append("Set Text, SSML or PromptId.")
    return problems


@block("MessageParticipant", validate=_validate, holds=True)
def message_participant(ctx, action) -> Outcome:
    """Play prompt: a whisper flow's message for the agent (SSML is shown as its text)."""
    if ctx.mode != WHISPER:
        return Outcome.success()
    params = action.parameters
    if "Text" in params:
        text = text_resolve(ctx.contact, params["Text"])
    elif "SSML" in params:
        text = _TAGS.sub("", text_resolve(ctx.contact, params["SSML"]))
    else:
        return Outcome.success()  # an audio prompt: nothing to show
    ctx.contact.flow_state["whisper"] = " ".join(text.split())[:WHISPER_MESSAGE_MAX]
    if ctx.contact.agent_id:
        agent_refresh(user_id=ctx.contact.agent_id, reason="whisper", contact_id=ctx.contact.id)
    return Outcome.success()
