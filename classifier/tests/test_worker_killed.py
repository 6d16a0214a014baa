"""A worker killed with SIGKILL in the middle of a job: the job is retried on the next worker, never left running."""

import json
import os
import signal
import time

import pytest
from django.test import Client

from classroom.tests.factories import LessonFactory
from tests.harness import worker_process
from tests.image_server import SERVER_URL_VARIABLE
from tests.sockets import open_socket, receive_until, run_sockets

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_job_whose_worker_is_killed_is_retried_and_the_quota_is_freed(
    redis_server, image_server, tmp_path, monkeypatch, reliability
):
    monkeypatch.setenv("TEST_SLOW_IMAGE_S", "3")
    worker_env = {
        "IMAGE_SEARCH_FUNCTION": "tests.image_server.slow_image_search",
        SERVER_URL_VARIABLE: image_server.url,
        "IMAGE_SEARCH_INTERVAL_S": "0.05",
        "DOWNLOAD_ALLOW_PRIVATE": "1",
        "TRAIN_IMAGE_SIZE": "96",
        "JOB_HEARTBEAT_STALE_S": "12",  # heartbeats come every 5 s
        "JOB_REAP_EVERY_S": "1",
    }
    media_root = tmp_path / "media"  # caches of its own: the first worker must really be slow to download
    lesson = LessonFactory()
    student = Client()
    student.get(lesson.student_url)
    body = {"labels": ["bird", "forest"], "images_per_label": 10, "epochs": 1, "mode": "quick"}
    job = student.post(f"/api/l/{lesson.code}/jobs", json.dumps(body), content_type="application/json").json()

    async def scenario():
        nonlocal back
        socket, ok, _ = await open_socket(f"/ws/jobs/{job['id']}/", student)
        assert ok
        with worker_process(redis_server, media_root, tmp_path / "first.log", **worker_env) as first:
            await receive_until(socket, lambda m: m.get("status") == "running", timeout=120)
            os.killpg(first.pid, signal.SIGKILL)  # the worker and its pool child, mid-download
            first.wait()
        with worker_process(redis_server, media_root, tmp_path / "second.log", **worker_env):
            back = time.monotonic()
            final, seen = await receive_until(
                socket, lambda m: m.get("status") in ("succeeded", "failed", "cancelled"), timeout=180
            )
        await socket.disconnect()
        return final, seen

    back = 0.0
    final, seen = run_sockets(scenario)
    recovered = time.monotonic() - back
    assert final["status"] == "succeeded", final["error"]
    assert final["attempts"] == 2  # the reaper put it back in the queue and the second worker ran it
    again = student.post(f"/api/l/{lesson.code}/jobs", json.dumps(body), content_type="application/json")
    assert again.status_code == 201
    reliability(
        "Faults",
        "Worker killed (SIGKILL) while downloading",
        "the reaper requeued the job; a new worker finished it; quota freed",
        f"succeeded {recovered:.0f} s after a worker was back (heartbeat stale after 12 s)",
    )
