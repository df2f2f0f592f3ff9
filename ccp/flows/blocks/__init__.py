"""The blocks this server runs, one module per family, each registered with a validator and a step.

A step is a function of the contact's data (and the services it calls) that returns an Outcome:
success with a result the conditions compare, an error type, or a stop (queued, waiting,
disconnected, flow ended, transferred to another flow). Validators check a block's parameters at
publish time and return messages; run-time problems (a queue that does not exist) are errors.
"""

# Importing each family registers its blocks in BLOCKS.
from ccp.flows.blocks import branching, contact, control, lambdas, metrics, prompts, tasks  # noqa: E402,F401
from ccp.flows.blocks.base import (
    BLOCKS,
    DISCONNECT,
    MAIN,
    QUEUE,
    WHISPER,
    Block,
    Outcome,
    RunContext,
    block,
    one_of,
    static_int,
    string_map,
    text_param,
)

__all__ = [
    "BLOCKS",
    "DISCONNECT",
    "MAIN",
    "QUEUE",
    "WHISPER",
    "Block",
    "Outcome",
    "RunContext",
    "block",
    "one_of",
    "static_int",
    "string_map",
    "text_param",
]
