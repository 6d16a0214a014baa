"""`make run`'s supervisor on a fresh data folder: URLs printed, the printed teacher logs in, Ctrl-C stops all."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from config.embedded_redis import free_port
from config.processes import descendants

ROOT = Path(__file__).resolve().parent.parent


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat").read_text().split()
    return stat[2] != "Z"


def test_run_prints_urls_serves_the_printed_teacher_and_ctrl_c_leaves_nothing(tmp_path):
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")},
        "VAR_DIR": str(tmp_path / "var"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PORT": str(port),
        "REDIS_PORT": str(free_port()),
        "SECRET_KEY": "make-run-test-key",
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "scripts/serve.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    printed = []
    try:
        deadline = time.monotonic() + 120
        while not any("projector:" in line for line in printed):
            assert time.monotonic() < deadline and process.poll() is None, "".join(printed)
            printed.append(process.stdout.readline())
        output = "".join(printed)
        password = re.search(r"user name 'teacher', password '([^']+)'", output).group(1)
        teacher_url = re.search(r"teacher:\s+(\S+)", output).group(1)
        assert re.search(rf"students: http://127\.0\.0\.1:{port}/l/[A-Z2-9]{{6}}/", output)

        session = requests.Session()
        home = session.get(f"http://127.0.0.1:{port}/", timeout=30)
        assert home.status_code == 200
        login = session.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
        session.post(
            f"http://127.0.0.1:{port}/accounts/login/",
            data={"username": "teacher", "password": password, "csrfmiddlewaretoken": token},
            headers={"Referer": f"http://127.0.0.1:{port}/accounts/login/"},
            timeout=30,
        )
        teacher_page = session.get(teacher_url, timeout=30)
        assert teacher_page.status_code == 200 and "Demo lesson" in teacher_page.text

        spawned = set(descendants(process.pid))
        assert len(spawned) >= 3  # redis, uvicorn, celery (and celery's pool child)
    finally:
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
        process.wait(timeout=60)
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in spawned) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in spawned if alive(pid)]
