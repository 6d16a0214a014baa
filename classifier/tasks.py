"""Celery adapters: ids in, the runner or the reaper does the work."""

import logging
import threading

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.db import close_old_connections

from classifier import reaper, runner

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, soft_time_limit=settings.JOB_TIME_LIMIT_S, time_limit=settings.JOB_TIME_LIMIT_S + 60)
def run_job_task(job_id: int) -> None:
    runner.run_job(job_id)


@shared_task(soft_time_limit=100, time_limit=120)
def reap_jobs_task() -> int:
    return reaper.jobs_reap(requeue=run_job_task.delay)


@worker_ready.connect
def start_reaper(**kwargs):
    """Each worker looks for jobs whose worker died, at start (the crash may have been its own) and then
    every few seconds. Several workers reaping at once is safe: every change is a conditional update."""

    def loop():
        while True:
            try:
                reaper.jobs_reap(requeue=run_job_task.delay)
            except Exception:
                logger.exception("reaping jobs failed")
            finally:
                close_old_connections()
            stop.wait(settings.JOB_REAP_EVERY_S)

    stop = threading.Event()
    threading.Thread(target=loop, name="job-reaper", daemon=True).start()
