"""A throwaway copy of the whole system for a benchmark: its own data folder, Redis, uvicorn and worker."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.embedded_redis import free_port, start_redis  # noqa: E402
from config.processes import celery_worker_command, descendants, uvicorn_command  # noqa: E402


class System:
    def __init__(self, workdir: Path, **env):
        self.workdir = workdir
        self.redis_port = free_port()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "VAR_DIR": str(workdir / "var"),
            "MEDIA_ROOT": str(workdir / "media"),
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/1",
            "SECRET_KEY": "benchmark-only-key",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
            **{k: str(v) for k, v in env.items()},
        }
        os.environ.update(self.env)  # this process sets up the data through Django too
        self.processes: list[subprocess.Popen] = []

    def start_redis(self):
        self.redis = start_redis(port=self.redis_port, data_dir=self.workdir / "redis", persist=False)
        self.processes.append(self.redis)

    def migrate(self):
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=self.env, check=True)

    def start_web(self, workers: int = 1):
        command = uvicorn_command(port=self.port, workers=workers) + ["--log-level", "warning"]
        self.web = subprocess.Popen(command, cwd=ROOT, env=self.env, start_new_session=True)
        self.processes.append(self.web)
        deadline = time.monotonic() + 120
        while True:
            try:
                requests.get(self.url + "/", timeout=60)
                return
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def start_worker(self):
        self.worker = subprocess.Popen(
            celery_worker_command(loglevel="WARNING"),
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
        )
        self.processes.append(self.worker)
        # In a class the worker is already up when students submit: its own start is not a job's time.
        from config.celery import app

        deadline = time.monotonic() + 180
        while not app.control.ping(timeout=0.5):
            if self.worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the Celery worker did not start")

    def pids(self, process: subprocess.Popen) -> list[int]:
        """The process and all its children (uvicorn's workers, celery's pool)."""
        return [process.pid, *descendants(process.pid)]

    def stop(self):
        """Web and worker first, Redis last, so nothing logs a lost connection on the way out."""
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()  # the main process only: it stops its own children (uvicorn workers, pool)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


class Usage:
    """CPU (% of one core) and resident memory of a set of processes over an interval, from /proc."""

    def __init__(self, pids: list[int]):
        self.pids = pids
        self.ticks = os.sysconf("SC_CLK_TCK")
        self.start_cpu, self.start = self.cpu_seconds(), time.monotonic()

    def cpu_seconds(self) -> float:
        total = 0.0
        for pid in self.pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / self.ticks
            except FileNotFoundError:
                pass
        return total

    def rss_mb(self) -> float:
        total = 0
        for pid in self.pids:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except FileNotFoundError:
                pass
        return total / 1024

    def cpu_percent(self) -> float:
        return 100 * (self.cpu_seconds() - self.start_cpu) / max(1e-9, time.monotonic() - self.start)
