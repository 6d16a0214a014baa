"""Socket fuzzing: generated frames against the student, teacher, watch and job sockets. Only the contract's
error objects (or ordinary replies) come back, no exception reaches the server log, and the only close is
the one for flooding."""

import json
import logging

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classifier.models import Job
from classroom.models import Student
from classroom.tests.factories import LessonFactory
from tests.sockets import open_socket, run_sockets

pytestmark = pytest.mark.django_db(transaction=True)

FRAMES_PER_EXAMPLE = 50
EXAMPLES = 6  # × 4 sockets × 50 frames = 1,200 frames
REPLY_TYPES = {"error", "state", "pong", "summary", "job", "marker"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=10,
)
messages = st.fixed_dictionaries(
    {"type": st.sampled_from(["cup", "name", "ping", "state", "summary", "__init__", "dance", "", "on_cup"])},
    optional={
        "color": st.one_of(st.sampled_from(["red", "green", "yellow", "none", "RED", "purple", ""]), json_values),
        "name": st.one_of(st.text(max_size=60), json_values, st.just("<script>alert(1)</script>")),
    },
).map(json.dumps)
frames = st.one_of(
    messages,
    json_values.map(json.dumps),
    st.text(max_size=300),
    st.binary(max_size=64),
    st.integers(min_value=4097, max_value=9000).map(lambda n: json.dumps({"type": "cup", "pad": "x" * n})),
)


class Sockets:
    """The four kinds of socket, each opened as its rightful user."""

    def __init__(self):
        self.lesson = LessonFactory()
        self.student = Client()
        self.student.get(self.lesson.student_url)
        self.teacher = Client()
        self.teacher.force_login(self.lesson.owner)
        owner = Student.objects.get(lesson=self.lesson)
        self.job = Job.objects.create(lesson=self.lesson, student=owner, labels=["bird", "forest"])

    def targets(self):
        code = self.lesson.code
        return {
            "student": (f"/ws/l/{code}/student/", self.student),
            "teacher": (f"/ws/l/{code}/teacher/", self.teacher),
            "watch": (f"/ws/l/{code}/watch/{self.lesson.watch_token}/", None),
            "job": (f"/ws/jobs/{self.job.id}/", self.student),
        }


@pytest.fixture(scope="module")
def totals(reliability):
    counted = {"frames": 0, "errors": 0, "flood_closes": 0}
    yield counted
    assert counted["frames"] >= 1000
    reliability(
        "Hostile input",
        "Socket fuzzing (hypothesis): student, teacher, watch and job sockets",
        "only contract error objects or ordinary replies; no server exception; no 1011 close",
        f"{counted['frames']} frames, {counted['errors']} refused, {counted['flood_closes']} closed for flooding",
    )


@pytest.mark.parametrize("kind", ["student", "teacher", "watch", "job"])
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(batch=st.lists(frames, min_size=FRAMES_PER_EXAMPLE, max_size=FRAMES_PER_EXAMPLE))
def test_fuzzed_frames_get_contract_errors_and_never_crash_the_socket(kind, batch, totals, caplog):
    caplog.set_level(logging.ERROR)
    path, client = Sockets().targets()[kind]

    async def scenario():
        socket, ok, _ = await open_socket(path, client)
        assert ok
        for frame in batch:
            # send_input, not send_to: empty frames are frames too.
            key = "bytes" if isinstance(frame, bytes) else "text"
            await socket.send_input({"type": "websocket.receive", key: frame})
            totals["frames"] += 1
            while True:  # the reply to this frame; summaries pushed meanwhile are skipped
                output = await socket.receive_output(timeout=10)
                if output["type"] == "websocket.close":
                    assert output["code"] == 4429, output  # only flooding closes a socket
                    totals["flood_closes"] += 1
                    socket, ok, _ = await open_socket(path, client)
                    assert ok
                    break
                reply = json.loads(output["text"])
                assert reply["type"] in REPLY_TYPES
                if reply["type"] == "error":
                    assert isinstance(reply["error"], str) and isinstance(reply["detail"], str) and reply["detail"]
                    totals["errors"] += 1
                    break
                if reply["type"] in ("state", "pong"):
                    break
        await socket.disconnect()

    run_sockets(scenario)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "an exception reached the server log"
