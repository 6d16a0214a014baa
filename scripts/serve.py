"""`make run`: the embedded Redis, the web server and a Celery worker together; Ctrl-C stops all three."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

from classroom.models import Lesson  # noqa: E402
from classroom.services import lesson_create  # noqa: E402
from config.embedded_redis import start_redis  # noqa: E402
from config.processes import celery_worker_command, uvicorn_command  # noqa: E402


def lan_address() -> str:
    """The address phones on the same Wi-Fi can reach (no packet is sent: UDP connect only picks a route)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("10.255.255.255", 1))
            return sock.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def first_start() -> None:
    """On the very first start: a teacher with a random password, printed once, and a demo lesson."""
    users = get_user_model()
    if users.objects.exists():
        return
    password = os.urandom(9).hex()
    teacher = users.objects.create_user(username="teacher", password=password)
    lesson_create(owner=teacher, title="Demo lesson: is it a bird?")
    print(f"\n  Teacher account created: user name 'teacher', password '{password}' (shown only this once)\n")


def stop_on_signal(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    if host in ("0.0.0.0", "::"):
        # Serving the classroom's network: phones reach us by the LAN address, whatever it is.
        os.environ.setdefault("ALLOWED_HOSTS", "*")
    processes: list[subprocess.Popen] = []
    try:
        if "REDIS_URL" not in os.environ:
            processes.append(start_redis(port=settings.REDIS_PORT, data_dir=settings.VAR_DIR / "redis"))
        call_command("migrate", interactive=False, verbosity=0)
        first_start()
        web = uvicorn_command(port=port, host=host)
        worker = celery_worker_command()
        for command in (web, worker):
            processes.append(subprocess.Popen(command, cwd=ROOT, start_new_session=True))
        wait_for_port("127.0.0.1" if host in ("0.0.0.0", "::") else host, int(port), processes)
        print_urls(host, port)
        signal.signal(signal.SIGTERM, stop_on_signal)
        while all(p.poll() is None for p in processes):
            try:
                processes[-1].wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
        print("A process stopped; stopping the others.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop_all(processes)


def wait_for_port(host: str, port: int, processes: list[subprocess.Popen], timeout: float = 120) -> None:
    """Print the URLs only once they answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and all(p.poll() is None for p in processes):
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the web server did not start on {host}:{port}")


def stop_all(processes: list[subprocess.Popen]) -> None:
    for process in reversed(processes):
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                process.terminate()
    for process in reversed(processes):
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def print_urls(host: str, port: str) -> None:
    shown = lan_address() if host in ("0.0.0.0", "::") else host
    base = f"http://{shown}:{port}"
    print(f"\n  Classroom companion is running at {base}/  (Ctrl-C stops it)")
    lesson = Lesson.objects.order_by("created_at").first()
    if lesson:
        print(f"  Demo lesson {lesson.code}:")
        print(f"    students: {base}{lesson.student_url}")
        print(f"    teacher:  {base}{lesson.teacher_url}")
        print(f"    helper:   {base}{lesson.watch_url}")
        print(f"    projector:{base}{lesson.join_url}")
    print(flush=True)


if __name__ == "__main__":
    sys.exit(main())
