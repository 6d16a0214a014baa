"""ASGI entry point: Django for HTTP, Channels for WebSockets (same-origin only, session auth)."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from classifier.routing import websocket_urlpatterns as job_sockets  # noqa: E402
from classroom.routing import websocket_urlpatterns as lesson_sockets  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(lesson_sockets + job_sockets))),
    }
)

# A web process holding a thousand sockets paused 200-330 ms for each full garbage collection, every couple
# of seconds during a burst of presses (bench/cups_load.py): that was the whole p99. Everything loaded so
# far lives as long as the process, so it leaves the collector's sight, and collections run less often.
gc.freeze()
gc.set_threshold(50_000, 50, 100)
