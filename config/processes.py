"""The one way this project starts its servers (make run, the tests, the benchmarks; the Dockerfile and
docker-compose.yml repeat them): uvicorn with frames over 64 KB closing the socket and protocol pings every
minute (pages send their own heartbeat every 30 s), and a Celery worker running one job at a time."""

import subprocess
import sys


def uvicorn_command(*, port: int | str, host: str = "127.0.0.1", workers: int = 1) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "config.asgi:application",
        "--host",
        host,
        "--port",
        str(port),
        "--ws-max-size",
        "65536",
        "--ws-ping-interval",
        "60",
        "--no-access-log",
        "--backlog",
        "4096",
    ]
    return command + (["--workers", str(workers)] if workers > 1 else [])


def celery_worker_command(*, loglevel: str = "INFO") -> list[str]:
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--concurrency",
        "1",
        "--loglevel",
        loglevel,
        "--without-gossip",
        "--without-mingle",
    ]


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (uvicorn's workers, Celery's pool), for measuring them or checking they are gone."""
    found, frontier = [], [pid]
    while frontier:
        output = subprocess.run(["ps", "-o", "pid=", "--ppid", str(frontier.pop())], capture_output=True, text=True)
        children = [int(child) for child in output.stdout.split()]
        found += children
        frontier += children
    return found
