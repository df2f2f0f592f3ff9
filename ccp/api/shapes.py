"""Reading a request into an operation's input, checked against botocore's model of Amazon Connect.

The model is the wire contract: member types, required members, string lengths, list sizes, numeric
ranges and enums are checked here exactly as the model states them (InvalidParameterException). Domain
limits (attribute bytes, reference types, schedule window, chains) are the services' job, in
ccp/validation.py. Members the model does not know are ignored, as AWS ignores them.
"""

import datetime as dt
import functools
import json
import math
from pathlib import Path
from urllib.parse import unquote

from ccp.api.errors import ApiError
from ccp.errors import InvalidParameter

# Models of our own, in botocore's format, for paths no AWS model has (ccp/api/models/).
OWN_MODELS = {"taskcenter-contact-analysis": "contact-analysis-2026-11-27.json"}


@functools.lru_cache(maxsize=4)
def service_model(name: str = "connect"):
    """botocore's model of an AWS service (Amazon Connect unless named; botocore is a runtime dependency, pinned
    in requirements.lock), or one of ours in the same format (OWN_MODELS)."""
    # Imported on first use, as before: loading botocore's session costs startup time only the API needs.
    import botocore.model
    import botocore.session

    if name in OWN_MODELS:
        data = json.loads((Path(__file__).parent / "models" / OWN_MODELS[name]).read_text())
        return botocore.model.ServiceModel(data, service_name=name)
    return botocore.session.get_session().get_service_model(name)


def _invalid(path: str, constraint: str) -> InvalidParameter:
    return InvalidParameter(f"Value at '{path}' failed to satisfy constraint: {constraint}.", field=path)


def _check_length(path, value_len, shape, unit="length"):
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and value_len < low:
        raise _invalid(path, f"Member must have {unit} greater than or equal to {low}")
    if high is not None and value_len > high:
        raise _invalid(path, f"Member must have {unit} less than or equal to {high}")


def _is_utf8(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate such as "\\ud800" in the JSON
        return False
    return True


def timestamp_parse(value, path: str) -> dt.datetime:
    """Epoch seconds (what botocore sends), or an ISO 8601 string."""
    if isinstance(value, bool):
        raise _invalid(path, "Member must be a timestamp")
    try:
        if isinstance(value, int | float):
            if not math.isfinite(value):
                raise ValueError
            return dt.datetime.fromtimestamp(value, tz=dt.UTC)
        if isinstance(value, str):
            try:
                return dt.datetime.fromtimestamp(float(value), tz=dt.UTC)
            except ValueError:
                parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
                return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    except (ValueError, OverflowError, OSError):
        pass
    raise _invalid(path, "Member must be a timestamp in epoch seconds")


def value_check(value, shape, path: str):
    """Check (and convert timestamps in) one value against its shape; returns the clean value."""
    kind = shape.type_name
    if kind == "string":
        if not isinstance(value, str):
            raise _invalid(path, "Member must be a string")
        if "\x00" in value or not _is_utf8(value):
            raise _invalid(path, "Member must be valid UTF-8 text without NUL characters")
        _check_length(path, len(value), shape)
        if shape.enum and value not in shape.enum:
            raise _invalid(path, "Member must satisfy enum value set: [" + ", ".join(shape.enum) + "]")
        return value
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _invalid(path, "Member must be a whole number")
        bits = 31 if kind == "integer" else 63  # Smithy: integer is 32-bit, long is 64-bit
        if not -(2**bits) <= value < 2**bits:
            raise _invalid(path, f"Member must fit in a {bits + 1}-bit signed {kind}")
        _check_length(path, value, shape, unit="value")
        return value
    if kind in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise _invalid(path, "Member must be a number")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _invalid(path, "Member must be true or false")
        return value
    if kind == "timestamp":
        return timestamp_parse(value, path)
    if kind == "list":
        if not isinstance(value, list):
            raise _invalid(path, "Member must be a list")
        _check_length(path, len(value), shape)
        return [value_check(item, shape.member, f"{path}.{i + 1}.member") for i, item in enumerate(value)]
    if kind == "map":
        if not isinstance(value, dict):
            raise _invalid(path, "Member must be a map")
        _check_length(path, len(value), shape)
        return {
            value_check(k, shape.key, f"{path}.key"): value_check(v, shape.value, f"{path}.{str(k)[:50]}")
            for k, v in value.items()
        }
    if kind == "structure":
        return structure_check(value, shape, path)
    return value  # blobs and documents are passed through untouched


def structure_check(value, shape, path: str = "") -> dict:
    """A structure: a JSON object whose known members are checked; unknown members are dropped."""
    if not isinstance(value, dict):
        raise _invalid(path or "body", "Member must be an object")
    clean = {}
    for name, member in shape.members.items():
        if name in value and value[name] is not None:
            clean[name] = value_check(value[name], member, f"{path}.{name}" if path else name)
    for name in shape.required_members:
        if name not in clean:
            raise _invalid(f"{path}.{name}" if path else name, "Member must not be null")
    return clean


def _query_value(values: list[str], shape, path: str):
    if shape.type_name == "list":
        return values
    value = values[-1]
    if shape.type_name in ("integer", "long"):
        try:
            return int(value)
        except ValueError:
            raise _invalid(path, "Member must be a whole number")
    if shape.type_name == "boolean":
        return value.lower() == "true"
    return value


def body_parse(body: bytes) -> dict:
    """The JSON body as an object; an empty body is an empty object. Malformed JSON is a 400."""
    if not body or not body.strip():
        return {}
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiError("SerializationException", 400, "The request body is not valid JSON.")
    if not isinstance(data, dict):
        raise ApiError("SerializationException", 400, "The request body must be a JSON object.")
    return data


def input_parse(operation_model, *, uri_params: dict, query, headers, body: bytes) -> dict:
    """Gather an operation's input from the path, query string, headers and JSON body, and check it."""
    shape = operation_model.input_shape
    if shape is None:
        return {}
    raw = {}
    body_data = None
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire_name = member.serialization.get("name", name)
        if location == "uri":
            if wire_name in uri_params:
                raw[name] = unquote(uri_params[wire_name])
        elif location == "querystring":
            values = query.getlist(wire_name)
            if values:
                raw[name] = _query_value(values, member, name)
        elif location == "header":
            if wire_name.lower() in headers:
                raw[name] = headers[wire_name.lower()]
        else:
            if body_data is None:
                body_data = body_parse(body)
            if name in body_data:
                raw[name] = body_data[name]
    return structure_check(raw, shape)
