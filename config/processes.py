"""The one way this project starts its servers (make run, the tests, the benchmarks; the Dockerfile and
docker-compose.yml repeat them): uvicorn with frames over 64 KB closing the socket and protocol pings every
minute (pages send their own heartbeat every 30 s), and a Celery worker running one job at a time."""

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
