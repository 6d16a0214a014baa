"""Lessons, the students in them, their cups and the append-only log of every change."""

import secrets

from django.conf import settings
from django.db import models

# No look-alikes (0 O 1 I L), so a code read off a projector is typed right.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


def new_lesson_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_watch_token() -> str:
    return secrets.token_urlsafe(24)


def new_student_tag() -> str:
    return "s" + "".join(secrets.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(5))


class Color(models.TextChoices):
    GREEN = "green", "I'm fine"
    YELLOW = "yellow", "Not sure"
    RED = "red", "I'm lost"
    NONE = "none", "Not answered"


class Lesson(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lessons")
    title = models.CharField(max_length=120)
    code = models.CharField(max_length=CODE_LENGTH, unique=True, default=new_lesson_code)
    open = models.BooleanField(default=True)
    watch_token = models.CharField(max_length=64, unique=True, default=new_watch_token)
    alert_red_share = models.FloatField(default=0.2)
    alert_min_red = models.PositiveIntegerField(default=3)
    stale_after_s = models.PositiveIntegerField(default=600)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.title} ({self.code})"

    @property
    def student_url(self) -> str:
        return f"/l/{self.code}/"

    @property
    def teacher_url(self) -> str:
        return f"/l/{self.code}/teacher/"

    @property
    def join_url(self) -> str:
        return f"/l/{self.code}/join/"

    @property
    def watch_url(self) -> str:
        return f"/l/{self.code}/watch/{self.watch_token}/"

    def is_red_alert(self, *, red: int, answering: int) -> bool:
        """The teacher's threshold: enough red in absolute numbers and as a share of those who answered."""
        return red >= self.alert_min_red and answering > 0 and red / answering >= self.alert_red_share


class Student(models.Model):
    """One browser session in one lesson; holds the current cup (the truth, not the channel layer)."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="students")
    session_key = models.CharField(max_length=64)
    tag = models.CharField(max_length=8, default=new_student_tag)
    name = models.CharField(max_length=40, blank=True)
    color = models.CharField(max_length=6, choices=Color.choices, default=Color.NONE)
    since = models.DateTimeField()
    last_seen = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lesson", "session_key"], name="one_student_per_session")]

    def __str__(self):
        return self.name or self.tag


class WebProcess(models.Model):
    """A running web process. The sockets it holds count as connected only while it keeps saying it is
    alive: one killed with SIGKILL never runs its sockets' disconnect handlers."""

    id = models.CharField(primary_key=True, max_length=32)
    seen_at = models.DateTimeField(db_index=True)


class Presence(models.Model):
    """How many sockets one student has open on one web process."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="presences")
    process = models.ForeignKey(WebProcess, on_delete=models.CASCADE, related_name="presences")
    sockets = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["student", "process"], name="one_presence_per_process")]


class CupEvent(models.Model):
    """Append-only: every accepted change of cup, kept through revotes for the timeline and the CSV."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="cup_events")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="events")
    color = models.CharField(max_length=6, choices=Color.choices)
    previous = models.CharField(max_length=6, choices=Color.choices)
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["at", "id"]


class Marker(models.Model):
    """A "new topic" line on the lesson's timeline."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="markers")
    label = models.CharField(max_length=60)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
