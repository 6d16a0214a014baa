from django.apps import AppConfig
from django.core.signals import request_finished
from django.db import connections


def close_request_connections(**kwargs):
    """Under ASGI every HTTP request gets database connections of its own, and persistent connections
    (kept for the sockets) would leave each one open until the garbage collector found it: a file handle
    per page view with SQLite, a server connection per page view with PostgreSQL."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:  # the test client's requests run inside the test's transaction
            connection.close()


class ClassroomConfig(AppConfig):
    name = "classroom"

    def ready(self):
        from classroom import checks  # noqa: F401  (registers the start-up checks)

        request_finished.connect(close_request_connections, dispatch_uid="close_request_connections")
