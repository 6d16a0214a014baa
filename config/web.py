"""The one way this project starts its web server (make run, the tests, the benchmarks; the Dockerfile's CMD
repeats it): uvicorn, with frames over 64 KB closing the socket and protocol pings every minute (pages send
their own heartbeat every 30 s)."""

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
