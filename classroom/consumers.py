"""WebSocket consumers for students, teachers and helpers. They authorise, validate and call services."""

import json
import logging
import time

from asgiref.sync import async_to_sync
from channels.generic.websocket import JsonWebsocketConsumer
from django.http import Http404

from classroom import access, services
from classroom.forms import CupForm, NameForm
from classroom.messages import error
from classroom.selectors import lesson_summary

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 4096
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_FLOODING = 4429


def first_error(form) -> str:
    return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in form.errors.items())


class SafeJsonConsumer(JsonWebsocketConsumer):
    """Turns every bad frame into the contract's error object; nothing a client sends closes the socket,
    except flooding. Subclasses define `on_<type>` methods for the message types they accept."""

    rate_per_second = 10.0
    burst = 10.0
    close_after_refusals = 200  # sustained abuse: this many refused frames within a minute

    def websocket_connect(self, message):
        self.tokens = self.burst
        self.token_time = time.monotonic()
        self.refusals: list[float] = []
        super().websocket_connect(message)

    def receive(self, text_data=None, bytes_data=None, **kwargs):
        if text_data is None:
            return self.refuse("binary_not_supported", "Send JSON text frames, not binary ones.")
        if len(text_data.encode()) > MAX_FRAME_BYTES:
            return self.refuse("too_large", f"A frame may be at most {MAX_FRAME_BYTES} bytes.")
        try:
            content = json.loads(text_data)
        except ValueError:
            return self.refuse("invalid_json", "That frame is not valid JSON.")
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            return self.refuse("invalid_message", 'A message is a JSON object with a "type".')
        handler = getattr(self, "on_" + content["type"], None) if content["type"].isidentifier() else None
        if handler is None:
            return self.refuse("unknown_type", f"Unknown message type {content['type'][:40]!r}.")
        try:
            handler(content)
        except Exception:
            logger.exception("socket handler failed")
            self.send_json(error("server_error", "Something went wrong on the server; try again."))

    def take_token(self) -> bool:
        """A token bucket: about `rate_per_second` changes a second, short bursts allowed."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.token_time) * self.rate_per_second)
        self.token_time = now
        if self.tokens < 1:
            self.refuse("rate_limited", "Too many messages: slow down.")
            return False
        self.tokens -= 1
        return True

    def refuse(self, code: str, detail: str) -> None:
        now = time.monotonic()
        self.refusals = [t for t in self.refusals if now - t < 60] + [now]
        if len(self.refusals) > self.close_after_refusals:
            self.close(code=CLOSE_FLOODING)
            return
        self.send_json(error(code, detail))

    def join(self, groups: list[str]) -> None:
        """Join groups chosen in connect(); Channels leaves `self.groups` on disconnect."""
        self.groups = groups
        for group in groups:
            async_to_sync(self.channel_layer.group_add)(group, self.channel_name)

    def on_ping(self, content):
        self.send_json({"type": "pong"})


class StudentConsumer(SafeJsonConsumer):
    def connect(self):
        try:
            self.lesson = access.lesson_by_code(self.scope["url_route"]["kwargs"]["code"])
        except Http404:
            return self.close(code=CLOSE_NOT_FOUND)
        self.student = access.student_for_scope(self.scope, self.lesson)
        if self.student is None:
            return self.close(code=CLOSE_FORBIDDEN)
        self.join([services.students_group(self.lesson.id), services.student_group(self.student.id)])
        self.accept()
        services.student_connected(lesson=self.lesson, student=self.student)
        self.send_state()

    def disconnect(self, code):
        if getattr(self, "student", None) is not None:
            services.student_disconnected(lesson=self.lesson, student=self.student)

    def send_state(self, **extra):
        state = services.student_state(student_id=self.student.id)
        if state is not None:
            self.send_json(state.as_message(**extra))

    def on_ping(self, content):
        services.student_seen(lesson=self.lesson, student=self.student)
        super().on_ping(content)

    def on_cup(self, content):
        if not self.take_token():
            return
        form = CupForm({"color": content.get("color")})
        if not form.is_valid():
            return self.refuse("invalid_color", 'color must be "green", "yellow", "red" or "none".')
        self.lesson.refresh_from_db(fields=["open"])
        try:
            services.cup_set(lesson=self.lesson, student=self.student, color=form.cleaned_data["color"])
        except services.LessonClosed as closed:
            return self.refuse("lesson_closed", str(closed))
        self.send_state()

    def on_name(self, content):
        if not self.take_token():
            return
        name = content.get("name")
        form = NameForm({"name": name if isinstance(name, str) else None})
        if not isinstance(name, str) or not form.is_valid():
            return self.refuse("invalid_name", first_error(form) if form.errors else "name must be text.")
        self.student = services.student_rename(lesson=self.lesson, student=self.student, name=form.cleaned_data["name"])
        self.send_state()

    # Group messages (handler names equal message types).
    def student_refresh(self, event):
        self.send_state()

    def student_revote(self, event):
        self.send_state(reason="revote")


class LessonViewerConsumer(SafeJsonConsumer):
    """The live teacher view, for the owner (`/teacher/`) or a helper holding the watch link (`/watch/<token>/`)."""

    def connect(self):
        kwargs = self.scope["url_route"]["kwargs"]
        token = kwargs.get("token")
        try:
            self.lesson = access.lesson_for_owner_or_watcher(self.scope["user"], kwargs["code"], token)
        except Http404:
            return self.close(code=CLOSE_NOT_FOUND)
        except Exception:
            return self.close(code=CLOSE_FORBIDDEN)
        groups = [services.teachers_group(self.lesson.id)]
        groups.append(services.watchers_group(self.lesson.id) if token else services.owner_group(self.lesson.id))
        self.join(groups)
        self.accept()
        self.send_json(lesson_summary(lesson=self.lesson))

    def summary(self, event):
        self.send_json(event)

    def marker(self, event):
        self.send_json(event)

    def job(self, event):
        self.send_json(event)

    def watch_revoked(self, event):
        self.close(code=CLOSE_FORBIDDEN)
