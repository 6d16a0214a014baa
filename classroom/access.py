"""Who may see what: one helper per kind of asker, used by every view, API call and socket.

Per the contract: 404 for an unknown lesson or token, a login redirect for an anonymous visitor of a teacher
page (raised as `LoginRequired`), 403 for a logged-in user who is not the owner.
"""

import secrets

from django.core.exceptions import PermissionDenied
from django.http import Http404

from classroom.models import Lesson, Student
from classroom.services import student_get_or_create

STUDENT_SESSION_KEY = "student_key"


class LoginRequired(Exception):
    """An anonymous visitor asked for a teacher's page."""


def lesson_by_code(code: str) -> Lesson:
    lesson = Lesson.objects.filter(code=code.upper()).select_related("owner").first()
    if lesson is None:
        raise Http404("No lesson with that code.")
    return lesson


def lesson_for_owner(user, code: str) -> Lesson:
    lesson = lesson_by_code(code)
    if not user.is_authenticated:
        raise LoginRequired
    if lesson.owner_id != user.id:
        raise PermissionDenied("This lesson belongs to another teacher.")
    return lesson


def lesson_for_watcher(code: str, token: str) -> Lesson:
    lesson = lesson_by_code(code)
    if not secrets.compare_digest(lesson.watch_token, token or ""):
        raise Http404("This watch link is not valid (it may have been replaced).")
    return lesson


def lesson_for_owner_or_watcher(user, code: str, token: str | None) -> Lesson:
    if token:
        return lesson_for_watcher(code, token)
    return lesson_for_owner(user, code)


def student_key(session, *, create: bool) -> str | None:
    """A random key kept in the signed session cookie: the same browser is the same student."""
    key = session.get(STUDENT_SESSION_KEY)
    if key is None and create:
        key = secrets.token_urlsafe(18)
        session[STUDENT_SESSION_KEY] = key
    return key


def student_for_request(request, lesson: Lesson) -> Student:
    return student_get_or_create(lesson=lesson, session_key=student_key(request.session, create=True))


def student_for_scope(scope, lesson: Lesson) -> Student | None:
    """A socket may only continue a student the page already made; it cannot set a cookie itself."""
    key = student_key(scope["session"], create=False)
    if key is None:
        return None
    return Student.objects.filter(lesson=lesson, session_key=key).first()
