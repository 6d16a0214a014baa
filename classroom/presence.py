"""Which students really have a socket open: each web process counts its own sockets, and they count only
while that process keeps saying it is alive. A process killed with SIGKILL never runs its sockets'
disconnect handlers; without this its students would show as connected until they went stale."""

import logging
import os
import threading
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections
from django.db.models import F, Sum
from django.utils import timezone

from classroom.models import Lesson, Presence, WebProcess

logger = logging.getLogger(__name__)
FORGET_DEAD_AFTER = timedelta(days=1)

_process_id = ""
_keeper_lock = threading.Lock()


def process_id() -> str:
    """This process's id, and a thread that keeps it alive (started once per process, forks included)."""
    global _process_id
    with _keeper_lock:
        if not _process_id.endswith(f"-{os.getpid()}"):
            _process_id = f"{uuid.uuid4().hex[:20]}-{os.getpid()}"
            threading.Thread(target=_keep_alive, args=(_process_id,), name="web-alive", daemon=True).start()
        return _process_id


def _keep_alive(my_id: str) -> None:
    while True:
        time.sleep(settings.WEB_ALIVE_EVERY_S)
        try:
            now = timezone.now()
            WebProcess.objects.filter(id=my_id).update(seen_at=now)
            WebProcess.objects.filter(seen_at__lt=now - FORGET_DEAD_AFTER).delete()
        except Exception as problem:  # the database may be restarting: say so, try again next time
            logger.warning("could not say this web process is alive: %s", problem)
        finally:
            close_old_connections()


def socket_opened(*, student_id: int) -> None:
    process, _ = WebProcess.objects.get_or_create(id=process_id(), defaults={"seen_at": timezone.now()})
    presence, _ = Presence.objects.get_or_create(student_id=student_id, process=process)
    Presence.objects.filter(id=presence.id).update(sockets=F("sockets") + 1)


def socket_closed(*, student_id: int) -> None:
    Presence.objects.filter(student_id=student_id, process_id=process_id(), sockets__gt=0).update(
        sockets=F("sockets") - 1
    )


def sockets_open(*, student_id: int) -> int:
    """Sockets this student has open anywhere: their other tabs are told of a change made in one."""
    return Presence.objects.filter(student_id=student_id).aggregate(open=Sum("sockets"))["open"] or 0


def connected_student_ids(*, lesson: Lesson) -> set[int]:
    alive_since = timezone.now() - timedelta(seconds=3 * settings.WEB_ALIVE_EVERY_S)
    return set(
        Presence.objects.filter(student__lesson=lesson, sockets__gt=0, process__seen_at__gte=alive_since).values_list(
            "student_id", flat=True
        )
    )
