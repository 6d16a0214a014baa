"""Pushes changes to sockets after commit, coalesced across every web and worker process.

A change runs one Redis script: the first change in a quiet window sends at once (leading edge), later ones
only mark the window dirty, and one trailing send at the window's end carries them all. The window lives
in Redis, so two web processes behind the same Redis share it; the database stays the truth and each send
reads it fresh, so a send includes every change committed before it.
"""

import asyncio
import logging
import os
import threading
from collections.abc import Callable

from channels.layers import get_channel_layer
from django.db import close_old_connections, transaction

from classroom.redis_client import get_redis

logger = logging.getLogger(__name__)

CLAIM_OR_MARK = """
if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 1 end
redis.call('SET', KEYS[2], '1', 'EX', 60)
return 0
"""
TRAILING = """
if redis.call('DEL', KEYS[2]) == 1 then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
  return 1
end
redis.call('DEL', KEYS[1])
return 0
"""


class _Loop:
    """A private event loop thread per process, so sends keep their Redis connections between calls."""

    def __init__(self):
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, name="broadcast", daemon=True).start()


_loop: _Loop | None = None
_loop_lock = threading.Lock()
_in_flight = 0  # send chains not yet finished in this process
_idle = threading.Condition()


def _started() -> None:
    global _in_flight
    with _idle:
        _in_flight += 1


def _finished(*_) -> None:
    global _in_flight
    with _idle:
        _in_flight -= 1
        _idle.notify_all()


def wait_idle(timeout: float = 10.0) -> bool:
    """Wait until this process has nothing left to send, e.g. before a test empties the database under it."""
    with _idle:
        return _idle.wait_for(lambda: _in_flight == 0, timeout)


def _get_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _loop_lock:
        if _loop is None or _loop.pid != os.getpid():
            _loop = _Loop()
        return _loop.loop


def _read_fresh(build: Callable[[], dict | None]) -> dict | None:
    close_old_connections()
    try:
        return build()
    finally:
        close_old_connections()


_send_locks: dict[str, asyncio.Lock] = {}


async def _send(group: str, build: Callable[[], dict | None]) -> None:
    # One send at a time per group, so a leading and a trailing send cannot overtake each other.
    lock = _send_locks.setdefault(group, asyncio.Lock())
    async with lock:
        message = await asyncio.get_running_loop().run_in_executor(None, _read_fresh, build)
        if message is not None:
            await get_channel_layer().group_send(group, message)


async def _send_window(key: str, group: str, build: Callable[[], dict | None], window_ms: int) -> None:
    """Send now, and look again one window after this send began (not after it ended: a summary of 2,000
    students takes ~20 ms to build, and the window is the whole budget for "at most 10 a second")."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        await _send(group, build)
    except Exception as problem:
        logger.warning("broadcast to %s failed: %s", group, problem)
    loop.call_at(started + window_ms / 1000, _spawn, _trailing(key, group, build, window_ms))


async def _trailing(key: str, group: str, build: Callable[[], dict | None], window_ms: int) -> None:
    try:
        again = get_redis().eval(TRAILING, 2, f"{key}:window", f"{key}:dirty", window_ms * 5)
    except Exception as problem:
        logger.warning("trailing broadcast to %s failed: %s", group, problem)
        again = False
    if again:
        await _send_window(key, group, build, window_ms)
    else:
        _finished()


def _spawn(coroutine) -> None:
    asyncio.ensure_future(coroutine)


def _claim(key: str, group: str, build: Callable[[], dict | None], window_ms: int) -> None:
    try:
        # The window key outlives its window 5 times over, so a process that dies holding it frees it soon.
        leading = get_redis().eval(CLAIM_OR_MARK, 2, f"{key}:window", f"{key}:dirty", window_ms * 5)
    except Exception:
        logger.warning("Redis unreachable: %s not pushed (the database has the change)", group)
        return
    if leading:
        _started()
        asyncio.run_coroutine_threadsafe(_send_window(key, group, build, window_ms), _get_loop())


def coalesced_send(*, key: str, group: str, build: Callable[[], dict | None], window_ms: int) -> None:
    """After commit, send `build()` to `group` at most once per window, always including this change."""
    transaction.on_commit(lambda: _claim(key, group, build, window_ms))


def send_now(*, group: str, message: dict) -> None:
    """After commit, send one message (a revote, a revoked link): rare events need no coalescing."""

    def send():
        _started()
        try:
            sent = asyncio.run_coroutine_threadsafe(get_channel_layer().group_send(group, message), _get_loop())
        except Exception:
            logger.warning("Redis unreachable: %s not sent to %s", message.get("type"), group)
            _finished()
        else:
            sent.add_done_callback(_finished)

    transaction.on_commit(send)
