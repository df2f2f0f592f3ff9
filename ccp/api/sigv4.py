"""AWS Signature Version 4, verified on the server side (service `connect`).

The canonical request is built the way botocore builds it for non-S3 services: the path has its dot
segments and doubled slashes removed and is URI-encoded once more (so a `%20` the client sent becomes
`%2520`), the query is sorted by encoded key then value, header values are trimmed with inner runs of
spaces collapsed and repeated headers joined with commas, and the payload is the SHA-256 of the body.
The pure functions below are checked against AWS's published test suite (tests/api/sigv4_vectors/).
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

from ccp.models import ApiKey

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "connect"
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
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


def canonical_query(query_string: str) -> str:
    """Every key=value pair, each side URI-encoded (unreserved characters kept), sorted."""
    pairs = []
    for part in query_string.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((quote(unquote(key), safe="-_.~"), quote(unquote(value), safe="-_.~")))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def canonical_headers(headers: list[tuple[str, str]], signed: tuple[str, ...]) -> str:
    """`name:value\\n` for each signed header, values trimmed, inner spaces collapsed, repeats comma-joined."""
    values: dict[str, list[str]] = {}
    for name, value in headers:
        values.setdefault(name.lower(), []).append(" ".join(str(value).split()))
    return "".join(f"{name}:{','.join(values.get(name, []))}\n" for name in signed)


def canonical_request(
    *, method: str, raw_path: str, query_string: str, headers: list[tuple[str, str]], signed, body: bytes
) -> str:
    """The SigV4 canonical request."""
    signed = tuple(signed)
    return "\n".join(
        [
            method.upper(),
            canonical_uri(raw_path),
            canonical_query(query_string),
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
    parts = match["credential"].split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts):
        raise SignatureError("IncompleteSignatureException", "Credential must be KEY/DATE/REGION/SERVICE/aws4_request.")
    signed = tuple(match["signed"].lower().split(";"))
    if list(signed) != sorted(signed) or "host" not in signed:
        raise SignatureError("IncompleteSignatureException", "SignedHeaders must be sorted and include host.")
    return Authorization(parts[0], parts[1], parts[2], parts[3], signed, match["signature"].lower())


def _raw_path(request) -> str:
    raw = getattr(request, "scope", None) and request.scope.get("raw_path")
    if raw:
        return raw.decode("latin-1")
    for key in ("RAW_URI", "REQUEST_URI"):
        if request.META.get(key):
            return request.META[key].split("?", 1)[0]
    # wsgiref hands over the decoded path only; encoding it again gives what botocore sent.
    return quote(request.path, safe="/~")


def request_verify(request, *, now: float | None = None) -> ApiKey:
    """Verify the request's SigV4 signature; return its (active) ApiKey or raise SignatureError."""
    header = request.headers.get("Authorization", "")
    if not header:
        raise SignatureError("MissingAuthenticationTokenException", "Missing Authentication Token")
    auth = authorization_parse(header)
    amz_date = request.headers.get("X-Amz-Date", "")
    try:
        signed_at = dt.datetime.strptime(amz_date, AMZ_DATE_FORMAT).replace(tzinfo=dt.UTC)
    except ValueError:
        raise SignatureError("IncompleteSignatureException", "X-Amz-Date must be given as YYYYMMDDTHHMMSSZ.")
    if "x-amz-date" not in auth.signed_headers or amz_date[:8] != auth.date:
        raise SignatureError("InvalidSignatureException", "X-Amz-Date must be signed and match the credential date.")
    if auth.service != SERVICE:
        raise SignatureError("InvalidSignatureException", f"Credential should be scoped to service '{SERVICE}'.")
    now = time.time() if now is None else now
    if abs(now - signed_at.timestamp()) > settings.SIGV4_MAX_SKEW_SECONDS:
        raise SignatureError(
            "InvalidSignatureException",
            f"Signature expired: {amz_date} is more than {settings.SIGV4_MAX_SKEW_SECONDS} seconds "
            "away from the server's time.",
        )
    api_key = ApiKey.objects.select_related("instance").filter(access_key_id=auth.access_key_id).first()
    if api_key is None or not api_key.is_active:
        raise SignatureError("UnrecognizedClientException", "The security token included in the request is invalid.")
    from ccp.services.api_keys import ApiKeySecretUnreadable, api_key_secret

    try:
        secret = api_key_secret(api_key)
    except ApiKeySecretUnreadable:
        raise SignatureError("UnrecognizedClientException", "The security token included in the request is invalid.")
    headers = [(name, request.headers.get(name, "")) for name in auth.signed_headers]
    creq = canonical_request(
        method=request.method,
        raw_path=_raw_path(request),
        query_string=request.META.get("QUERY_STRING", ""),
        headers=headers,
        signed=auth.signed_headers,
        body=request.body,
    )
    expected = signature(secret=secret, auth=auth, amz_date=amz_date, creq=creq)
    if not hmac.compare_digest(expected, auth.signature):
        raise SignatureError(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method.",
        )
    return api_key
