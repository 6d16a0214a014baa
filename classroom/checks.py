"""Start-up checks: say clearly what is misconfigured instead of failing on the first request."""

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def configuration(app_configs, **kwargs):
    problems = []
    if not settings.REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        problems.append(Error("REDIS_URL must be a redis:// URL.", id="classroom.E001"))
    source = settings.IMAGE_SOURCE
    if source != "ddgs" and not source.startswith("folder:"):
        problems.append(Error('IMAGE_SOURCE must be "ddgs" or "folder:<path>".', id="classroom.E002"))
    if settings.JOB_HEARTBEAT_STALE_S < 10:
        problems.append(
            Error(
                "JOB_HEARTBEAT_STALE_S must be at least 10: jobs send a heartbeat every 5 seconds.", id="classroom.E003"
            )
        )
    if settings.DOWNLOAD_ALLOW_PRIVATE and not settings.DEBUG:
        problems.append(
            Warning(
                "DOWNLOAD_ALLOW_PRIVATE lets downloads reach private networks; use it for tests only.",
                id="classroom.W001",
            )
        )
    return problems
