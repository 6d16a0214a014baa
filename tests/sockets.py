"""Channels sockets for tests: a WebsocketCommunicator that carries a test client's cookies and a same-site Origin."""

from asgiref.sync import async_to_sync
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

from config.asgi import application

ORIGIN = b"http://127.0.0.1"


def cookie_header(client) -> bytes:
    return "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items()).encode()


async def open_socket(
    path: str, client=None, *, origin: bytes = ORIGIN
) -> tuple[WebsocketCommunicator, bool, int | None]:
    headers = [(b"origin", origin), (b"host", b"127.0.0.1")]
    if client is not None:
        headers.append((b"cookie", cookie_header(client)))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect(timeout=10)
    return communicator, connected, code


async def open_student_socket(lesson, client) -> tuple[WebsocketCommunicator, dict]:
    """A student's socket, open, with the state it is sent on connect."""
    socket, connected, code = await open_socket(f"/ws/l/{lesson.code}/student/", client)
    assert connected, code
    return socket, await socket.receive_json_from(timeout=10)


async def receive_until(communicator, predicate, *, timeout: float = 10):
    """Frames until one matches; the ones before it are returned too, for assertions on what came first."""
    seen = []
    while True:
        message = await communicator.receive_json_from(timeout=timeout)
        seen.append(message)
        if predicate(message):
            return message, seen


def run_sockets(scenario, *args):
    """Runs an async socket scenario to the end in an event loop of its own. channels_redis binds its
    receive locks to the first loop that receives, so each run gets a fresh layer object (same Redis)."""
    channel_layers.backends.clear()
    try:
        return async_to_sync(scenario)(*args)
    finally:
        channel_layers.backends.clear()
