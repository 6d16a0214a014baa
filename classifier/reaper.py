"""Finds jobs whose worker died (no heartbeat): retried once, then failed with "worker lost"."""

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from classifier.models import Job, Stage, Status
from classifier.notify import job_notify

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 2


def jobs_reap(*, requeue: Callable[[int], object]) -> int:
    stale_before = timezone.now() - timedelta(seconds=settings.JOB_HEARTBEAT_STALE_S)
    reaped = 0
    for job in Job.objects.filter(status=Status.RUNNING, heartbeat_at__lt=stale_before):
        running = Job.objects.filter(id=job.id, status=Status.RUNNING, heartbeat_at=job.heartbeat_at)
        if job.attempts < MAX_ATTEMPTS and not job.cancel_requested:
            if running.update(
                status=Status.QUEUED, stage=Stage.QUEUED, progress=0.0, error=None, updated_at=timezone.now()
            ):
                logger.warning("job %s lost its worker: retrying", job.id)
                requeue(job.id)
        elif running.update(
            status=Status.FAILED,
            error="worker lost: the training worker stopped during this job. Try again.",
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        ):
            logger.warning("job %s lost its worker again: failed", job.id)
        job_notify(job_id=job.id, lesson_id=job.lesson_id)
        reaped += 1
    return reaped
