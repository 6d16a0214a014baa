"""A job whose worker died never stays "running": the reaper, run by a real worker, retries or fails it."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.utils import timezone

from classifier.models import Job
from classifier.tasks import reap_jobs_task
from classifier.tests.factories import JobFactory
from tests.sockets import open_socket, receive_until, run_sockets

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_worker_fails_a_twice_lost_job_and_the_student_socket_hears_it(celery_worker):
    long_ago = timezone.now() - timedelta(minutes=10)
    job = JobFactory(status="running", stage="train", attempts=2, heartbeat_at=long_ago, started_at=long_ago)
    teacher = Client()
    teacher.force_login(job.lesson.owner)

    async def scenario():
        socket, ok, _ = await open_socket(f"/ws/jobs/{job.id}/", teacher)
        assert ok
        first = await socket.receive_json_from(timeout=10)
        assert first["status"] == "running"
        reaped = await sync_to_async(reap_jobs_task.delay().get, thread_sensitive=False)(timeout=30)
        assert reaped == 1
        message, _ = await receive_until(socket, lambda m: m.get("status") == "failed", timeout=15)
        assert message["error"].startswith("worker lost")
        await socket.disconnect()

    run_sockets(scenario)
    assert Job.objects.get(id=job.id).status == "failed"
