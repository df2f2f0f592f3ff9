"""ASGI entry point: HTTP through Django, websockets through Channels (origin-checked, session-authenticated)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccp.settings")
django_asgi_app = get_asgi_application()

from ccp.checks import SecretKeyMissing, secret_key_require  # noqa: E402

try:
    secret_key_require()
except SecretKeyMissing as exc:
    raise SystemExit(str(exc)) from None

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from ccp.realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

from ccp.ops.heap import heap_freeze  # noqa: E402

# Last: the start-up heap (URLconf and views included) is frozen out of full collections (ccp/ops/heap.py).
heap_freeze()
