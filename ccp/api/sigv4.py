"""AWS Signature Version 4, verified on the server side (service `connect`).

The canonical request is built the way botocore builds it for non-S3 services: the path has its dot
segments and doubled slashes removed and is URI-encoded once more (so a `%20` the client sent becomes
`%2520`), the query is sorted by encoded key then value, header values are trimmed with inner runs of
spaces collapsed and repeated headers joined with commas, and the payload is the SHA-256 of the body.
The pure functions below are checked against AWS's published test suite (tests/api/sigv4_vectors/).

A request is signed either in its Authorization header or in its query string (a presigned URL:
X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Signature).
Both are verified the same way, with the same error names; a presigned URL is valid from its
X-Amz-Date (with the same 5 minutes of clock slack) for X-Amz-Expires seconds, at most 7 days. Its
canonical query holds every parameter but X-Amz-Signature, and its payload hash is the body's, as
botocore's SigV4QueryAuth signs it for Connect: a presigned URL never lets a body be swapped.
"""

import datetime as dt
import functools
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from urllib.parse import quote, unquote

from django.conf import settings

from ccp.compiled import CompiledQuery, fetch_together
from ccp.models import ApiKey, Instance
from ccp.services.api_keys import ApiKeySecretUnreadable, api_key_secret

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "connect"
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
# A presigned URL lives at most 7 days (AWS's limit for X-Amz-Expires).
PRESIGNED_MAX_EXPIRES = 604800
QUERY_AUTH_PARAMS = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
)
SIGNATURE_PARAM = "X-Amz-Signature"
SECURITY_TOKEN_PARAM = "X-Amz-Security-Token"
_SIGNATURE_RE = re.compile(r"^[0-9a-fA-F]{64}$")
_AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+)\s*,\s*SignedHeaders=(?P<signed>[^,\s]+)\s*,"
    r"\s*Signature=(?P<signature>[0-9a-fA-F]{64})\s*$"
)


class SignatureError(Exception):
    """Authentication failed; `code` is the AWS error name. Always HTTP 403."""

    status = 403

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Authorization:
    access_key_id: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


def remove_dot_segments(path: str) -> str:
    """RFC 3986 path normalisation as AWS does it: drop '.', resolve '..', collapse empty segments."""
    if not path:
        return "/"
    out: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if out:
                out.pop()
        else:
            out.append(segment)
    first = "/" if path.startswith("/") else ""
    last = "/" if path.endswith("/") and out else ""
    return first + "/".join(out) + last


def canonical_uri(raw_path: str) -> str:
    """The path as sent on the wire, normalised and URI-encoded (again)."""
    return quote(remove_dot_segments(raw_path), safe="/~")


def query_pairs(query_string: str) -> list[tuple[str, str]]:
    """The query string's (key, value) pairs, percent-decoded, in order (a '+' stays a '+', as AWS reads it)."""
    pairs = []
    for part in query_string.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((unquote(key), unquote(value)))
    return pairs


def canonical_query(query_string: str, *, presigned: bool = False) -> str:
    """Every key=value pair, each side URI-encoded (unreserved characters kept), sorted. A presigned
    request's own X-Amz-Signature is left out: it cannot sign itself."""
    pairs = [
        (quote(key, safe="-_.~"), quote(value, safe="-_.~"))
        for key, value in query_pairs(query_string)
        if not (presigned and key == SIGNATURE_PARAM)
    ]
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def canonical_headers(headers: list[tuple[str, str]], signed: tuple[str, ...]) -> str:
    """`name:value\\n` for each signed header, values trimmed, inner spaces collapsed, repeats comma-joined."""
    values: dict[str, list[str]] = {}
    for name, value in headers:
        values.setdefault(name.lower(), []).append(" ".join(str(value).split()))
    return "".join(f"{name}:{','.join(values.get(name, []))}\n" for name in signed)


def canonical_request(
    *,
    method: str,
    raw_path: str,
    query_string: str,
    headers: list[tuple[str, str]],
    signed,
    body: bytes,
    presigned: bool = False,
) -> str:
    """The SigV4 canonical request (of a presigned URL when `presigned`)."""
    signed = tuple(signed)
    return "\n".join(
        [
            method.upper(),
            canonical_uri(raw_path),
            canonical_query(query_string, presigned=presigned),
            canonical_headers(headers, signed),
            ";".join(signed),
            hashlib.sha256(body).hexdigest(),
        ]
    )


def string_to_sign(*, amz_date: str, scope: str, creq: str) -> str:
    """The string the signature is the HMAC of."""
    return "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(creq.encode()).hexdigest()])


@functools.lru_cache(maxsize=1024)
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """kSigning = HMAC chain over date, region, service and 'aws4_request' (cached: it changes daily)."""
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def signature(*, secret: str, auth: Authorization, amz_date: str, creq: str) -> str:
    """The hex signature of a canonical request under `auth`'s scope."""
    sts = string_to_sign(amz_date=amz_date, scope=auth.scope, creq=creq)
    return hmac.new(signing_key(secret, auth.date, auth.region, auth.service), sts.encode(), hashlib.sha256).hexdigest()


def authorization_parse(header: str) -> Authorization:
    """Read `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`."""
    match = _AUTH_RE.match(header or "")
    if not match:
        raise SignatureError(
            "IncompleteSignatureException",
            "Authorization header requires Credential, SignedHeaders and Signature (AWS4-HMAC-SHA256).",
        )
    return _authorization(match["credential"], match["signed"], match["signature"])


def _authorization(credential: str, signed_headers: str, signature_hex: str) -> Authorization:
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts):
        raise SignatureError("IncompleteSignatureException", "Credential must be KEY/DATE/REGION/SERVICE/aws4_request.")
    signed = tuple(signed_headers.lower().split(";"))
    if list(signed) != sorted(signed) or "host" not in signed:
        raise SignatureError("IncompleteSignatureException", "SignedHeaders must be sorted and include host.")
    return Authorization(parts[0], parts[1], parts[2], parts[3], signed, signature_hex.lower())


@dataclass(frozen=True)
class Presigned:
    """The signature parameters of a presigned URL."""

    auth: Authorization
    amz_date: str
    expires: int


def query_authorization_parse(query_string: str) -> Presigned | None:
    """The presigned-URL parameters of a query string; None when it carries none."""
    params: dict[str, list[str]] = {}
    for key, value in query_pairs(query_string):
        if key in QUERY_AUTH_PARAMS:
            params.setdefault(key, []).append(value)
    if not params:
        return None
    if sorted(params) != sorted(QUERY_AUTH_PARAMS) or any(len(values) != 1 for values in params.values()):
        raise SignatureError(
            "IncompleteSignatureException",
            "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', "
            "'X-Amz-Date', 'X-Amz-SignedHeaders', and 'X-Amz-Expires', each once. "
            "Re-examine the query-string parameters.",
        )
    value = {key: values[0] for key, values in params.items()}
    if value["X-Amz-Algorithm"] != ALGORITHM:
        raise SignatureError("IncompleteSignatureException", f"X-Amz-Algorithm only supports '{ALGORITHM}'.")
    if not _SIGNATURE_RE.match(value[SIGNATURE_PARAM]):
        raise SignatureError("IncompleteSignatureException", "X-Amz-Signature must be 64 hexadecimal characters.")
    expires = value["X-Amz-Expires"]
    if not (expires.isascii() and expires.isdigit()) or not 1 <= int(expires) <= PRESIGNED_MAX_EXPIRES:
        raise SignatureError(
            "IncompleteSignatureException",
            f"X-Amz-Expires must be a whole number of seconds from 1 to {PRESIGNED_MAX_EXPIRES} (a week).",
        )
    auth = _authorization(value["X-Amz-Credential"], value["X-Amz-SignedHeaders"], value[SIGNATURE_PARAM])
    return Presigned(auth, value["X-Amz-Date"], int(expires))


def _amz_date_parse(amz_date: str, *, where: str) -> dt.datetime:
    try:
        return dt.datetime.strptime(amz_date, AMZ_DATE_FORMAT).replace(tzinfo=dt.UTC)
    except ValueError:
        raise SignatureError("IncompleteSignatureException", f"{where} must be given as YYYYMMDDTHHMMSSZ.")


def _stamp(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, tz=dt.UTC).strftime(AMZ_DATE_FORMAT)


def _presigned_time_check(presigned: Presigned, signed_at: dt.datetime, now: float) -> None:
    """Valid from X-Amz-Date (less the clock slack header signatures get) until X-Amz-Expires after it."""
    skew = settings.SIGV4_MAX_SKEW_SECONDS
    if signed_at.timestamp() - skew > now:
        raise SignatureError(
            "InvalidSignatureException",
            f"Signature not yet current: {presigned.amz_date} is still later than {_stamp(now + skew)} "
            f"({_stamp(now)} + {skew // 60} min.)",
        )
    if now > signed_at.timestamp() + presigned.expires:
        raise SignatureError(
            "InvalidSignatureException",
            f"Request has expired. Signature expired: {presigned.amz_date} + {presigned.expires} seconds "
            f"is now earlier than {_stamp(now)}.",
        )


def _raw_path(request) -> str:
    raw = getattr(request, "scope", None) and request.scope.get("raw_path")
    if raw:
        return raw.decode("latin-1")
    for key in ("RAW_URI", "REQUEST_URI"):
        if request.META.get(key):
            return request.META[key].split("?", 1)[0]
    # wsgiref hands over the decoded path only; encoding it again gives what botocore sent. The one path
    # parameter that holds slashes, /tags/{resourceArn}, was sent with them encoded (%2F), as one segment.
    if request.path.startswith("/tags/"):
        return "/tags/" + quote(request.path[len("/tags/") :], safe="~")
    return quote(request.path, safe="/~")


def server_now() -> float:
    """The server's clock, read once per request (tests replace this to sign exactly at the skew limit)."""
    return time.time()


# The key and its instance, compiled once (ccp/compiled.py) and read in one round trip: every API request
# reads them.
_KEY = CompiledQuery(lambda access_key_id: ApiKey.objects.filter(access_key_id=access_key_id).order_by()[:1])
_KEY_INSTANCE = CompiledQuery(
    lambda access_key_id: Instance.objects.filter(api_keys__access_key_id=access_key_id).order_by()[:1]
)


def _api_key(access_key_id: str) -> ApiKey | None:
    api_key, instance = fetch_together((_KEY, "first", (access_key_id,)), (_KEY_INSTANCE, "first", (access_key_id,)))
    if api_key is not None and instance is not None:
        api_key.instance = instance
    return api_key


def request_verify(request, *, now: float | None = None) -> ApiKey:
    """Verify the request's SigV4 signature (header or presigned URL); return its active ApiKey or raise
    SignatureError."""
    header = request.headers.get("Authorization", "")
    query_string = request.META.get("QUERY_STRING", "")
    presigned = query_authorization_parse(query_string)
    now = server_now() if now is None else now
    if header and presigned:
        raise SignatureError(
            "IncompleteSignatureException",
            "Only one auth mechanism allowed: the Authorization header or the X-Amz-* query parameters.",
        )
    if presigned is not None:
        auth, amz_date = presigned.auth, presigned.amz_date
        signed_at = _amz_date_parse(amz_date, where="X-Amz-Date")
        if amz_date[:8] != auth.date:
            raise SignatureError("InvalidSignatureException", "X-Amz-Date must match the credential date.")
    elif header:
        auth = authorization_parse(header)
        amz_date = request.headers.get("X-Amz-Date", "")
        signed_at = _amz_date_parse(amz_date, where="X-Amz-Date")
        if "x-amz-date" not in auth.signed_headers or amz_date[:8] != auth.date:
            raise SignatureError(
                "InvalidSignatureException", "X-Amz-Date must be signed and match the credential date."
            )
    else:
        raise SignatureError("MissingAuthenticationTokenException", "Missing Authentication Token")
    if auth.service != SERVICE:
        raise SignatureError("InvalidSignatureException", f"Credential should be scoped to service '{SERVICE}'.")
    if presigned is not None:
        _presigned_time_check(presigned, signed_at, now)
    elif abs(now - signed_at.timestamp()) > settings.SIGV4_MAX_SKEW_SECONDS:
        raise SignatureError(
            "InvalidSignatureException",
            f"Signature expired: {amz_date} is more than {settings.SIGV4_MAX_SKEW_SECONDS} seconds "
            "away from the server's time.",
        )
    api_key = _api_key(auth.access_key_id)
    # Keys here are long-term keys: no session token is ever issued, so any token given is invalid.
    has_token = SECURITY_TOKEN_PARAM.lower() in request.headers or any(
        key == SECURITY_TOKEN_PARAM for key, _ in query_pairs(query_string)
    )
    if api_key is None or not api_key.is_active or has_token:
        raise SignatureError("UnrecognizedClientException", "The security token included in the request is invalid.")
    try:
        secret = api_key_secret(api_key)
    except ApiKeySecretUnreadable:
        raise SignatureError("UnrecognizedClientException", "The security token included in the request is invalid.")
    headers = [(name, request.headers.get(name, "")) for name in auth.signed_headers]
    creq = canonical_request(
        method=request.method,
        raw_path=_raw_path(request),
        query_string=query_string,
        headers=headers,
        signed=auth.signed_headers,
        body=request.body,
        presigned=presigned is not None,
    )
    expected = signature(secret=secret, auth=auth, amz_date=amz_date, creq=creq)
    if not hmac.compare_digest(expected, auth.signature):
        raise SignatureError(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method.",
        )
    return api_key
