"""Signing in, with failed attempts throttled per username and per address.

Five failed sign-ins for one username, or twenty from one address (an office behind one NAT shares it), within
15 minutes lock that username or address out for 15 minutes: the login page says "Too many failed attempts; try
again in N minutes", and while locked even the right password is refused. A successful sign-in clears the
username's count. Counts live in the "login" cache (Redis in service mode, so every web process sees them).

We chose this over django-axes: axes' authentication backend requires `request` in every authenticate() call
(the test client's login() and any request-less authenticate fail), and brings a middleware and three tables;
here one form on one page needs throttling.

Every sign-in and refused sign-in is in the audit log (`ccp/services/sign_ins.py`), with the client's address.
"""

import hashlib
import math
import time

from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.cache import caches
from django.core.exceptions import ValidationError

from ccp.services.audit import audit_acting
from ccp.services.sign_ins import sign_in_failure_record, sign_in_record

USERNAME_FAILURES_MAX = 5
ADDRESS_FAILURES_MAX = 20
# Failures are counted over this window, and a lockout lasts as long.
WINDOW_SECONDS = 15 * 60


def _cache():
    return caches["login"]


def _subjects(username: str, address: str) -> list[tuple[str, int]]:
    # Hashed: cache keys stay short and safe whatever a username holds.
    subjects = [("user:" + hashlib.sha256(username.encode()).hexdigest(), USERNAME_FAILURES_MAX)]
    if address:
        subjects.append(("addr:" + address, ADDRESS_FAILURES_MAX))
    return subjects


def login_lockout_seconds(*, username: str, address: str) -> int:
    """Seconds until this username or address may try again; 0 when neither is locked out."""
    locks = _cache().get_many([f"lock:{key}" for key, _ in _subjects(username, address)])
    return max([0, *(math.ceil(until - time.time()) for until in locks.values())])


def login_failure_record(*, username: str, address: str) -> None:
    """Count a failed sign-in; the one that reaches a limit locks the username or address out."""
    cache = _cache()
    for key, limit in _subjects(username, address):
        cache.add(f"count:{key}", 0, timeout=WINDOW_SECONDS)
        try:
            failures = cache.incr(f"count:{key}")
        except ValueError:  # expired between add and incr
            cache.set(f"count:{key}", 1, timeout=WINDOW_SECONDS)
            failures = 1
        if failures >= limit:
            cache.set(f"lock:{key}", time.time() + WINDOW_SECONDS, timeout=WINDOW_SECONDS)
            cache.delete(f"count:{key}")


def login_success_record(*, username: str) -> None:
    """A successful sign-in starts the username's count afresh (the address keeps its count)."""
    (key, _), *_ = _subjects(username, "")
    _cache().delete(f"count:{key}")


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refusing a locked-out username or address before checking the password."""

    def _throttled_error(self, seconds: int) -> ValidationError:
        minutes = max(1, math.ceil(seconds / 60))
        return ValidationError(
            "Too many failed attempts; try again in %(minutes)s minute%(plural)s.",
            code="throttled",
            params={"minutes": minutes, "plural": "" if minutes == 1 else "s"},
        )

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        if seconds := login_lockout_seconds(username=username, address=address):
            sign_in_failure_record(username=username, address=address, throttled=True)
            raise self._throttled_error(seconds)
        try:
            cleaned = super().clean()
        except ValidationError as exc:
            if getattr(exc, "code", None) == "invalid_login":
                login_failure_record(username=username, address=address)
                sign_in_failure_record(username=username, address=address)
                if seconds := login_lockout_seconds(username=username, address=address):
                    raise self._throttled_error(seconds)
            raise
        if username:
            login_success_record(username=username)
        sign_in_record(user=self.get_user(), address=address)
        return cleaned


class ThrottledLoginView(LoginView):
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True


class AuditActorMiddleware:
    """Names the signed-in user as the actor of the audit entries the request's services write (after
    AuthenticationMiddleware; the API names its access key in its dispatcher instead)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        with audit_acting(user):
            return self.get_response(request)
