"""WebSocket consumers for students, teachers and helpers. They authorise, validate and call services.

Async, because bench/cups_load.py showed the sync consumers' thread hop for every heartbeat and every
forwarded summary costing 9 % CPU with 2,000 idle students; database work still runs in Django's
sync thread through `database_sync_to_async`."""

import json
import logging
import time

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.exceptions import PermissionDenied
from django.http import Http404

from classroom import access, services
from classroom.forms import NameForm, pressable_color
from classroom.messages import error
from classroom.selectors import lesson_summary

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 4096
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_FLOODING = 4429


def first_error(form) -> str:
    return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in form.errors.items())


class SafeJsonConsumer(AsyncJsonWebsocketConsumer):
    """Turns every bad frame into the contract's error object; nothing a client sends closes the socket,
    except flooding. Subclasses define `on_<type>` coroutines for the message types they accept."""

    rate_per_second = 10.0
    burst = 10.0
    close_after_refusals = 200  # sustained abuse: this many refused frames within a minute

    async def dispatch(self, message):
        # Channels' own dispatch hops to a thread to close stale database connections before every frame,
        # heartbeats included; database_sync_to_async already does that around the work that needs it.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_connect(self, message):
        self.tokens = self.burst
        self.token_time = time.monotonic()
        self.refusals: list[float] = []
        self.closed_for_flooding = False
        await super().websocket_connect(message)

    async def websocket_disconnect(self, message):
        # A whole class dropping off the Wi-Fi at once can exhaust Redis connections: a group left behind
        # expires by itself, but disconnect() must still run, or the student would stay "connected".
        for group in self.groups:
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception as problem:
                logger.warning("could not leave %s: %s", group, problem)
        await self.disconnect(message["code"])
        raise StopConsumer()

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        # Overridden whole: the parent raises on malformed JSON and binary frames, closing the socket.
        if self.closed_for_flooding:
            return  # frames the flooder sent before the close reached it
        if text_data is None:
            return await self.refuse("binary_not_supported", "Send JSON text frames, not binary ones.")
        if len(text_data.encode()) > MAX_FRAME_BYTES:
            return await self.refuse("too_large", f"A frame may be at most {MAX_FRAME_BYTES} bytes.")
        try:
            content = json.loads(text_data)
        except ValueError:
            return await self.refuse("invalid_json", "That frame is not valid JSON.")
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            return await self.refuse("invalid_message", 'A message is a JSON object with a "type".')
        handler = getattr(self, "on_" + content["type"], None) if content["type"].isidentifier() else None
        if handler is None:
            return await self.refuse("unknown_type", f"Unknown message type {content['type'][:40]!r}.")
        try:
            await handler(content)
        except Exception:
            logger.exception("socket handler failed")
            await self.send_json(error("server_error", "Something went wrong on the server; try again."))

    def take_token(self) -> bool:
        """A token bucket: about `rate_per_second` changes a second, short bursts allowed."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.token_time) * self.rate_per_second)
        self.token_time = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    async def refuse(self, code: str, detail: str) -> None:
        now = time.monotonic()
        self.refusals = [t for t in self.refusals if now - t < 60] + [now]
        if len(self.refusals) > self.close_after_refusals:
            self.closed_for_flooding = True
            await self.close(code=CLOSE_FLOODING)
            return
        await self.send_json(error(code, detail))

    async def join(self, groups: list[str]) -> None:
        """Join groups chosen in connect(); Channels leaves `self.groups` on disconnect."""
        self.groups = groups
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)

    async def on_ping(self, content):
        await self.send_json({"type": "pong"})


class StudentConsumer(SafeJsonConsumer):
    student = None

    async def connect(self):
        try:
            self.lesson = await database_sync_to_async(access.lesson_by_code)(self.scope["url_route"]["kwargs"]["code"])
        except Http404:
            return await self.close(code=CLOSE_NOT_FOUND)
        self.student = await database_sync_to_async(access.student_for_scope)(self.scope, self.lesson)
        if self.student is None:
            return await self.close(code=CLOSE_FORBIDDEN)
        await self.join([services.students_group(self.lesson.id), services.student_group(self.student.id)])
        await self.accept()
        await database_sync_to_async(services.student_connected)(lesson=self.lesson, student=self.student)
        self.last_seen_written = time.monotonic()
        await self.send_state()

    async def disconnect(self, code):
        if self.student is not None:
            await database_sync_to_async(services.student_disconnected)(lesson=self.lesson, student=self.student)

    async def send_state(self, **extra):
        state = await database_sync_to_async(services.student_state)(student_id=self.student.id)
        if state is not None:
            self.lesson.open = state.lesson_open  # kept current by the refresh sent when the teacher toggles it
            await self.send_json(state.as_message(**extra))

    async def on_ping(self, content):
        now = time.monotonic()
        if now - self.last_seen_written >= services.heartbeat_write_every(self.lesson):
            self.last_seen_written = now
            await database_sync_to_async(services.student_seen)(lesson=self.lesson, student=self.student)
        await super().on_ping(content)

    async def on_cup(self, content):
        if not self.take_token():
            return await self.refuse("rate_limited", "Too many messages: slow down.")
        color = pressable_color(content.get("color"))
        if color is None:
            return await self.refuse("invalid_color", 'color must be "green", "yellow", "red" or "none".')
        try:
            await database_sync_to_async(services.cup_set)(lesson=self.lesson, student=self.student, color=color)
        except services.LessonClosed as closed:
            return await self.refuse("lesson_closed", str(closed))
        await self.send_state()

    async def on_name(self, content):
        if not self.take_token():
            return await self.refuse("rate_limited", "Too many messages: slow down.")
        name = content.get("name")
        form = NameForm({"name": name if isinstance(name, str) else None})
        if not isinstance(name, str) or not form.is_valid():
            return await self.refuse("invalid_name", first_error(form) if form.errors else "name must be text.")
        self.student = await database_sync_to_async(services.student_rename)(
            lesson=self.lesson, student=self.student, name=form.cleaned_data["name"]
        )
        await self.send_state()

    # Group messages (handler names equal message types).
    async def student_refresh(self, event):
        await self.send_state()

    async def student_revote(self, event):
        await self.send_state(reason="revote")


class LessonViewerConsumer(SafeJsonConsumer):
    """The live teacher view, for the owner (`/teacher/`) or a helper holding the watch link (`/watch/<token>/`)."""

    async def connect(self):
        kwargs = self.scope["url_route"]["kwargs"]
        token = kwargs.get("token")
        try:
            self.lesson = await database_sync_to_async(access.lesson_for_owner_or_watcher)(
                self.scope["user"], kwargs["code"], token
            )
        except Http404:
            return await self.close(code=CLOSE_NOT_FOUND)
        except (access.LoginRequired, PermissionDenied):
            return await self.close(code=CLOSE_FORBIDDEN)
        groups = [services.teachers_group(self.lesson.id)]
        groups.append(services.watchers_group(self.lesson.id) if token else services.owner_group(self.lesson.id))
        await self.join(groups)
        await self.accept()
        await self.send_json(await database_sync_to_async(lesson_summary)(lesson=self.lesson))

    async def summary(self, event):
        await self.send(text_data=event["text"])

    async def marker(self, event):
        await self.send_json(event)

    async def job(self, event):
        await self.send_json(event)

    async def watch_revoked(self, event):
        await self.close(code=CLOSE_FORBIDDEN)
