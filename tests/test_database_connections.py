"""Page views close their database connections. Under ASGI each request has connections of its own; left
to the garbage collector they pile up: file handles with SQLite, and with PostgreSQL server connections
until it refuses new clients, in the middle of a lesson."""

import os
from pathlib import Path

import pytest
import requests
from django.db import connection

from classroom.tests.factories import LessonFactory

pytestmark = pytest.mark.django_db(transaction=True)


def database_connections_of(process_id: int) -> int:
    if connection.vendor == "sqlite":
        database = str(Path(connection.settings_dict["NAME"]).resolve())
        handles = Path(f"/proc/{process_id}/fd")
        return sum(1 for handle in handles.iterdir() if os.path.realpath(handle) == database)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_a_class_opening_the_lesson_page_leaves_no_connection_open(asgi_server):
    lesson = LessonFactory()
    before = database_connections_of(asgi_server.process.pid)
    for _ in range(60):  # sixty phones, each a new session
        assert requests.get(asgi_server.url + lesson.student_url, timeout=30).status_code == 200
    assert database_connections_of(asgi_server.process.pid) <= before + 1
