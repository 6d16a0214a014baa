"""Everything that changes lessons and cups: one function per action, called by views and consumers."""

import json
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from classroom import broadcast, presence
from classroom.models import Color, CupEvent, Lesson, Marker, Student, new_watch_token
from classroom.selectors import lesson_summary

SUMMARY_WINDOW_MS = 100  # at most 10 summaries a second per lesson
HEARTBEAT_WRITE_EVERY_S = 120  # a ping refreshes last_seen at most this often: one write, not one per ping


class LessonClosed(Exception):
    """The teacher closed the lesson: presses are refused with a message, nothing is stored."""


def teachers_group(lesson_id: int) -> str:
    return f"lesson-{lesson_id}-teachers"


def watchers_group(lesson_id: int) -> str:
    return f"lesson-{lesson_id}-watchers"


def owner_group(lesson_id: int) -> str:
    """Only the teacher's own sockets: the class's training jobs are not for the helper."""
    return f"lesson-{lesson_id}-owner"


def students_group(lesson_id: int) -> str:
    return f"lesson-{lesson_id}-students"


def student_group(student_id: int) -> str:
    return f"student-{student_id}"


def lesson_notify(*, lesson: Lesson) -> None:
    """Tell the teacher and helper sockets, coalesced; the summary is read fresh when it is sent."""
    lesson_id = lesson.id

    def build():
        current = Lesson.objects.filter(id=lesson_id).first()
        if current is None:
            return None
        # Encoded once here: one string crosses Redis to each web process, not 2,000 dicts to unpack,
        # re-encode and leave to the garbage collector (measured: 50-300 ms pauses at 2,000 students).
        return {"type": "summary", "text": json.dumps(lesson_summary(lesson=current))}

    broadcast.coalesced_send(
        key=f"summary:{lesson_id}", group=teachers_group(lesson_id), build=build, window_ms=SUMMARY_WINDOW_MS
    )


def lesson_create(*, owner, title: str) -> Lesson:
    for _ in range(10):
        try:
            with transaction.atomic():
                return Lesson.objects.create(owner=owner, title=title)
        except IntegrityError:
            continue  # a code collision: draw again
    raise RuntimeError("could not draw a free lesson code")


def lesson_update(*, lesson: Lesson, changes: dict) -> Lesson:
    """Apply validated settings; opening or closing tells every student's page."""
    was_open = lesson.open
    for field, value in changes.items():
        setattr(lesson, field, value)
    lesson.save()
    if lesson.open != was_open:
        broadcast.send_now(group=students_group(lesson.id), message={"type": "student.refresh"})
    lesson_notify(lesson=lesson)
    return lesson


def lesson_rotate_watch_token(*, lesson: Lesson) -> Lesson:
    """A new helper link; the old one stops at once and its open sockets are closed."""
    old_group = watchers_group(lesson.id)
    lesson.watch_token = new_watch_token()
    lesson.save(update_fields=["watch_token"])
    broadcast.send_now(group=old_group, message={"type": "watch.revoked", "token": lesson.watch_token})
    return lesson


def student_get_or_create(*, lesson: Lesson, session_key: str) -> Student:
    now = timezone.now()
    student, _ = Student.objects.get_or_create(
        lesson=lesson, session_key=session_key, defaults={"since": now, "last_seen": now}
    )
    return student


def cup_set(*, lesson: Lesson, student: Student, color: str) -> Student:
    """Idempotent: the same colour twice is one state, never a toggle. One update, one event, one notice."""
    if not lesson.open:
        raise LessonClosed("The teacher has closed this lesson: cups are not collected right now.")
    now = timezone.now()
    with transaction.atomic():
        current = Student.objects.select_for_update().get(id=student.id)
        if current.color != color:
            CupEvent.objects.create(lesson=lesson, student=current, color=color, previous=current.color, at=now)
            current.color = color
            current.since = now
        current.last_seen = now
        current.save(update_fields=["color", "since", "last_seen"])
        lesson_notify(lesson=lesson)
    # Read after the write lock is released: the asking socket has its own reply, other tabs need telling.
    if presence.sockets_open(student_id=current.id) > 1:
        broadcast.send_now(group=student_group(current.id), message={"type": "student.refresh"})
    return current


def student_rename(*, lesson: Lesson, student: Student, name: str) -> Student:
    student.name = name
    student.last_seen = timezone.now()
    student.save(update_fields=["name", "last_seen"])
    lesson_notify(lesson=lesson)
    broadcast.send_now(group=student_group(student.id), message={"type": "student.refresh"})
    return student


def student_connected(*, lesson: Lesson, student: Student) -> None:
    Student.objects.filter(id=student.id).update(last_seen=timezone.now())
    presence.socket_opened(student_id=student.id)
    lesson_notify(lesson=lesson)


def student_disconnected(*, lesson: Lesson, student: Student) -> None:
    presence.socket_closed(student_id=student.id)
    lesson_notify(lesson=lesson)


def heartbeat_write_every(lesson: Lesson) -> float:
    """Seconds between two last_seen writes: rare, but often enough that nobody looks stale by mistake."""
    return min(HEARTBEAT_WRITE_EVERY_S, lesson.stale_after_s / 3)


def student_seen(*, lesson: Lesson, student: Student) -> None:
    """A heartbeat: keeps the student from going stale (sockets write one every `heartbeat_write_every`)."""
    Student.objects.filter(id=student.id).update(last_seen=timezone.now())


@transaction.atomic
def lesson_revote(*, lesson: Lesson) -> int:
    """Every cup back to "not answered"; the event log keeps what was there."""
    now = timezone.now()
    answered = list(Student.objects.select_for_update().filter(lesson=lesson).exclude(color=Color.NONE))
    CupEvent.objects.bulk_create(
        CupEvent(lesson=lesson, student=s, color=Color.NONE, previous=s.color, at=now) for s in answered
    )
    Student.objects.filter(id__in=[s.id for s in answered]).update(color=Color.NONE, since=now)
    broadcast.send_now(group=students_group(lesson.id), message={"type": "student.revote"})
    lesson_notify(lesson=lesson)
    return len(answered)


def marker_add(*, lesson: Lesson, label: str) -> Marker:
    marker = Marker.objects.create(lesson=lesson, label=label, at=timezone.now())
    broadcast.send_now(
        group=teachers_group(lesson.id),
        message={"type": "marker", "label": marker.label, "at": marker.at.isoformat()},
    )
    return marker


@dataclass
class StudentState:
    color: str
    name: str
    lesson_open: bool

    def as_message(self, **extra) -> dict:
        return {"type": "state", "color": self.color, "name": self.name, "lesson_open": self.lesson_open, **extra}


def student_state(*, student_id: int) -> StudentState | None:
    row = Student.objects.filter(id=student_id).values("color", "name", "lesson__open").first()
    if row is None:
        return None
    return StudentState(color=row["color"], name=row["name"], lesson_open=row["lesson__open"])
