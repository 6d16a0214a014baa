"""Careful reads: the teacher's summary, the timeline and the history, straight from the database."""

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from classroom.models import Color, CupEvent, Lesson, Marker, Student
from classroom.presence import connected_student_ids

COLORS = [Color.GREEN, Color.YELLOW, Color.RED, Color.NONE]
# Red first, then the rest in the order a teacher acts on them.
SORT_ORDER = {Color.RED: 0, Color.YELLOW: 1, Color.NONE: 2, Color.GREEN: 3}


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, as the contract writes it (called 2,000 times per summary)."""
    moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def lesson_summary(*, lesson: Lesson) -> dict:
    """The contract's summary object: counts, connected and stale, red alert, the per-student list."""
    now = timezone.now()
    stale_before = now - timedelta(seconds=lesson.stale_after_s)
    rows = Student.objects.filter(lesson=lesson).values_list("id", "tag", "name", "color", "since", "last_seen")
    with_socket = connected_student_ids(lesson=lesson)
    counts = dict.fromkeys(COLORS, 0)
    students = []
    connected = stale = 0
    for student_id, tag, name, color, since, last_seen in rows:
        counts[color] += 1
        fresh = last_seen >= stale_before
        is_connected = student_id in with_socket and fresh
        connected += is_connected
        stale += not fresh
        students.append({"id": tag, "name": name, "color": color, "since": iso(since), "connected": is_connected})
    students.sort(key=lambda s: (SORT_ORDER[s["color"]], s["since"]))
    answering = counts[Color.GREEN] + counts[Color.YELLOW] + counts[Color.RED]
    return {
        "type": "summary",
        "counts": {str(color): n for color, n in counts.items()},
        "connected": connected,
        "stale": stale,
        "alert": lesson.is_red_alert(red=counts[Color.RED], answering=answering),
        "students": students,
        "at": iso(now),
    }


def lesson_timeline(*, lesson: Lesson) -> dict:
    """Shares of red, yellow and green after every change, replayed from the event log, with the markers."""
    current: dict[int, str] = {}
    points = []
    for student_id, color, at in CupEvent.objects.filter(lesson=lesson).values_list("student_id", "color", "at"):
        current[student_id] = color
        answering = [c for c in current.values() if c != Color.NONE]
        total = len(answering) or 1
        points.append(
            {
                "at": iso(at),
                "red": answering.count(Color.RED) / total,
                "yellow": answering.count(Color.YELLOW) / total,
                "green": answering.count(Color.GREEN) / total,
            }
        )
    markers = [{"at": iso(m.at), "label": m.label} for m in Marker.objects.filter(lesson=lesson)]
    return {"points": points[-2000:], "markers": markers}


def spreadsheet_safe(text: str) -> str:
    """A name that starts like a formula is prefixed with ' so a spreadsheet shows it instead of running it."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def cup_history_rows(*, lesson: Lesson):
    """Every cup change, oldest first, for the CSV download."""
    events = CupEvent.objects.filter(lesson=lesson).select_related("student")
    for event in events.iterator():
        yield [iso(event.at), event.student.tag, spreadsheet_safe(event.student.name), event.color]
