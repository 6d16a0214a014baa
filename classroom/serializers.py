"""The contract's lesson object."""

from classroom.models import Lesson


def lesson_json(lesson: Lesson) -> dict:
    return {
        "code": lesson.code,
        "title": lesson.title,
        "open": lesson.open,
        "student_url": lesson.student_url,
        "teacher_url": lesson.teacher_url,
        "join_url": lesson.join_url,
        "watch_url": lesson.watch_url,
        "alert_red_share": lesson.alert_red_share,
        "alert_min_red": lesson.alert_min_red,
        "stale_after_s": lesson.stale_after_s,
        "created_at": lesson.created_at.isoformat(),
    }
