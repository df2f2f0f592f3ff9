"""What every block module is made of: the Outcome a step returns, the RunContext it reads, the registry
(`BLOCKS`, filled by `@block`), and the validation helpers the block modules share."""


from collections.abc import Callable
from dataclasses import dataclass

from ccp.flows.interface import FlowServices
from ccp.flows.paths import is_dynamic

# What a run is for. MAIN: the contact's own flow (inbound, transfer, Transfer to flow). QUEUE: its customer
# queue flow, run when it enters a queue and only while it waits there; Transfer to queue moves it to the
# working queue and ends the run, Disconnect ends the contact, and when the run ends the contact stays
# queued. DISCONNECT: its disconnect flow, run once it has disconnected; it may set attributes, call
# Lambda functions, create follow-up tasks and branch, while Transfer to queue and Wait take their error
# branch and Disconnect only stops the run. WHISPER: the agent whisper flow (Set whisper flow, the AgentWhisper
# event hook), run when an agent accepts the task, while it is connected: it may set attributes, call Lambda
# functions, branch and show the agent a message on the task's tile (Play prompt / MessageParticipant); Transfer
# to queue, Wait and Disconnect take their error branch. None of QUEUE, DISCONNECT and WHISPER changes the
# contact's own flow.
MAIN, QUEUE, DISCONNECT, WHISPER = "main", "queue", "disconnect", "whisper"


@dataclass
class Outcome:
    """What a block did: the runner turns it into the next action or the end of the run."""

    kind: str  # "success", "error", "stop", "finish", "jump", "invoke"
    result: object = None
    error_type: str = ""
    message: str = ""
    branch: str = ""
    flow: object = None

    @classmethod
    def success(cls, result=None, *, branch: str = "") -> "Outcome":
        return cls("success", result=result, branch=branch)

    @classmethod
    def error(cls, message: str, error_type: str = "NoMatchingError") -> "Outcome":
        return cls("error", error_type=error_type, message=message)

    @classmethod
    def stop(cls, branch: str) -> "Outcome":
        """The run stops here: the contact is queued, waiting for a timer, or ended."""
        return cls("stop", branch=branch)

    @classmethod
    def finish(cls) -> "Outcome":
        """The flow ended without queueing (End flow / resume)."""
        return cls("finish", branch="End")

    @classmethod
    def invoke(cls, seconds: int) -> "Outcome":
        """Call an external endpoint within `seconds`: the runner commits the run so far, the call happens
        with no transaction open, and the run continues from this action with its answer (ccp.flows.runner)."""
        return cls("invoke", result=seconds)

    @classmethod
    def jump(cls, flow) -> "Outcome":
        """Continue at the start of another flow (Transfer to flow)."""
        return cls("jump", flow=flow, branch="Transfer")


@dataclass
class RunContext:
    """What a step may read besides its parameters, and the services it may call (ccp.flows.interface)."""

    contact: object
    flow: object
    services: FlowServices
    actor_type: str = "flow"
    action_id: str = ""
    mode: str = MAIN  # what the run is for: MAIN, QUEUE, DISCONNECT or WHISPER


@dataclass(frozen=True)
class Block:
    type: str
    run: Callable
    validate: Callable
    # A function of the RunContext: True when the step reads other rows but writes only its contact, through
    # the services' contact writes; it then runs on the held contact without a savepoint (see
    # ccp.held_writes); one that writes around the hold fails its run (HeldWritesError). False, the safe
    # default, for a block that writes other rows.
    holds: Callable = lambda ctx: False


BLOCKS: dict[str, Block] = {}


def block(type_: str, *, validate: Callable | None = None, holds: bool | Callable = False) -> Callable:
    """Register a step function for an action Type."""

    def register(run: Callable) -> Callable:
        BLOCKS[type_] = Block(
            type=type_,
            run=run,
            validate=validate or (lambda params: []),
            holds=holds if callable(holds) else (lambda ctx: holds),
        )
        return run

    return register


# Validation helpers, shared by the block modules.


def static_int(params: dict, name: str, *, low: int | None = None, high: int | None = None,
               required: bool = False, dynamic: bool = False) -> list[str]:
    """Check an integer parameter given as a string ("3"); a `$.` path when dynamic values are allowed."""
    if name not in params or params[name] in ("", None):
        return [f"{name} is required."] if required else []
    value = params[name]
    if is_dynamic(value):
        return [] if dynamic else [f"{name} must be set statically, not {value!r}."]
    try:
        number = int(str(value).strip())
    except ValueError:
        return [f"{name} must be a whole number, not {value!r}."]
    if low is not None and number < low or high is not None and number > high:
        return [f"{name} must be between {low} and {high}, not {number}."]
    return []


def one_of(params: dict, name: str, allowed, *, required: bool = True) -> list[str]:
    """Check a parameter that takes one of a few static values."""
    if name not in params:
        return [f"{name} is required."] if required else []
    if params[name] not in allowed:
        return [f"{name} must be one of {', '.join(allowed)}, not {params[name]!r}."]
    return []


def text_param(params: dict, name: str, *, required: bool = False) -> list[str]:
    """Check a parameter that must be a (possibly dynamic) string."""
    if name not in params:
        return [f"{name} is required."] if required else []
    if not isinstance(params[name], str) or (required and not params[name].strip()):
        return [f"{name} must be a non-empty string."] if required else [f"{name} must be a string."]
    return []


def string_map(params: dict, name: str, *, required: bool = False) -> list[str]:
    """Check a parameter that is an object of string keys and string values."""
    if name not in params:
        return [f"{name} is required."] if required else []
    value = params[name]
    if not isinstance(value, dict):
        return [f"{name} must be an object of keys and values."]
    bad = [k for k, v in value.items() if not isinstance(v, str)]
    return [f"{name}.{k} must be a string." for k in bad]
