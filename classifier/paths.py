"""Where a job's files and the shared caches live, under MEDIA_ROOT."""

from pathlib import Path

from django.conf import settings


def job_dir(job_id: int) -> Path:
    return settings.MEDIA_ROOT / "jobs" / str(job_id)


def cache_dir(name: str) -> Path:
    return settings.MEDIA_ROOT / "cache" / name
