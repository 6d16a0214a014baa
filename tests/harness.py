"""Real processes for the tests: Redis, uvicorn and Celery workers that the tests start, stop and kill."""

import os
import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import requests
from django.conf import settings
from django.db import connection

from config.embedded_redis import free_port, start_redis
from config.processes import celery_worker_command, uvicorn_command

ROOT = Path(__file__).resolve().parent.parent


class RedisServer:
    """A real redis-server the tests can stop and start again on the same port."""

    def __init__(self, data_dir: Path):
        self.port = free_port()
        self.data_dir = data_dir
        self.process = None
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.broker_url = f"redis://127.0.0.1:{self.port}/1"

    def start(self):
        self.process = start_redis(port=self.port, data_dir=self.data_dir, persist=False)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def database_url_for_children() -> str:
    """The URL of the test database, for the server and worker processes the tests start."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def child_environment(redis_server, media_root, **extra) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_children(),
        "REDIS_URL": redis_server.url,
        "CELERY_BROKER_URL": redis_server.broker_url,
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "MEDIA_ROOT": str(media_root),
        "PYTHONUNBUFFERED": "1",
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


class LiveServer:
    """uvicorn in a subprocess on the test database; it can be stopped and started again on its port."""

    def __init__(self, env: dict, log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env
        self.log_path = log_path
        self.process = None

    def start(self):
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            uvicorn_command(port=self.port),
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(self.url + "/", timeout=30)
                return
            except requests.ConnectionError as refused:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("uvicorn did not start:\n" + self.log_path.read_text()[-3000:]) from refused
                time.sleep(0.1)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def worker_process(redis_server, media_root, log_path: Path, **extra_env):
    """`celery -A config worker` as its own process, for tests that kill it."""
    log = open(log_path, "ab")
    process = subprocess.Popen(
        celery_worker_command(),
        cwd=ROOT,
        env=child_environment(redis_server, media_root, **extra_env),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
