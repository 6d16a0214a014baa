"""Pushes a job's changes to its page and to the teacher's list, at most 5 times a second."""

from classifier.models import Job
from classifier.serializers import job_json
from classroom import broadcast
from classroom.services import owner_group

PROGRESS_WINDOW_MS = 200


def job_group(job_id: int) -> str:
    return f"job-{job_id}"


def job_notify(*, job_id: int, lesson_id: int) -> None:
    def build_for_job():
        job = Job.objects.select_related("student").filter(id=job_id).first()
        return None if job is None else {"type": "job", "job": job_json(job)}

    broadcast.coalesced_send(
        key=f"job:{job_id}", group=job_group(job_id), build=build_for_job, window_ms=PROGRESS_WINDOW_MS
    )
    broadcast.coalesced_send(
        key=f"job-teacher:{job_id}", group=owner_group(lesson_id), build=build_for_job, window_ms=PROGRESS_WINDOW_MS
    )
